"""The read contract: connections, filters, node for every type, viewer for every caller."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from prao import clock
from prao.models import BookingStatus, Slot
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.callers import gid
from tests.factories import World

SLOTS_PAGE = """
query($first: Int, $after: String, $filter: SlotFilter) {
  slots(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id title } }
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_slots_are_paged_with_cursors_and_total_count(world: World, as_token) -> None:
    extra = [await factories.slot(world.employer, title=f"Extra {i}") for i in range(5)]
    api = await as_token(world.school_a)
    visible = [world.slot, *extra]  # slot_b_only is listed for school B only

    first = (await api.data(SLOTS_PAGE, {"first": 4}))["slots"]
    assert first["totalCount"] == 6
    assert [e["node"]["id"] for e in first["edges"]] == [gid("Slot", s.id) for s in visible[:4]]
    assert [n["title"] for n in first["nodes"]] == [s.title for s in visible[:4]]
    info = first["pageInfo"]
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]

    second = (await api.data(SLOTS_PAGE, {"first": 4, "after": info["endCursor"]}))["slots"]
    assert [e["node"]["title"] for e in second["edges"]] == [s.title for s in visible[4:]]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["totalCount"] == 6


async def test_default_page_size_is_twenty(world: World, as_token) -> None:
    for i in range(25):
        await factories.slot(world.employer, title=f"Plats {i}")
    api = await as_token(world.school_a)
    page = (await api.data(SLOTS_PAGE))["slots"]
    assert len(page["edges"]) == 20
    assert page["pageInfo"]["hasNextPage"] is True


async def test_empty_page_has_no_cursors(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    page = (await api.data(SLOTS_PAGE, {"first": 0}))["slots"]
    assert page["edges"] == []
    assert page["pageInfo"]["startCursor"] is None and page["pageInfo"]["endCursor"] is None
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 1


async def test_slot_filter(world: World, as_token) -> None:
    start, end = factories.prao_weeks()
    await factories.slot(world.employer, title="Snickare", trade="Bygg", city="Falkenberg")
    full = await factories.slot(world.employer, title="Kock", capacity=1)
    await Slot.filter(id=full.id).update(taken=1)
    api = await as_token(world.school_a)

    async def titles(**flt: object) -> list[str]:
        page = await api.data(SLOTS_PAGE, {"filter": flt})
        return [e["node"]["title"] for e in page["slots"]["edges"]]

    assert await titles(text="snick") == ["Snickare"]
    assert await titles(text="Café Solen") == ["Bagare", "Snickare", "Kock"]  # employer name
    assert await titles(trade="Bygg") == ["Snickare"]
    assert await titles(city="Varberg") == ["Bagare", "Kock"]
    assert await titles(availableOnly=True) == ["Bagare", "Snickare"]
    assert await titles(dateFrom=str(end + timedelta(days=1))) == []
    assert await titles(dateTo=str(start - timedelta(days=1))) == []
    assert len(await titles(dateFrom=str(start), dateTo=str(end))) == 3


async def test_slot_fields(world: World, as_token) -> None:
    await Slot.filter(id=world.slot.id).update(min_age=15, requires_approval=True, taken=1)
    api = await as_token(world.school_a)
    query = """query($id: ID!) { node(id: $id) { ... on Slot {
      title trade city address startDate endDate dayStartsAt dayEndsAt capacity placesLeft
      minAge status requiresApproval updatedAt employer { id name city address } } } }"""
    slot = (await api.data(query, {"id": gid("Slot", world.slot.id)}))["node"]
    start, end = factories.prao_weeks()
    assert slot == {
        "title": "Bagare",
        "trade": "Restaurang och café",
        "city": "Varberg",
        "address": "Storgatan 1",
        "startDate": str(start),
        "endDate": str(end),
        "dayStartsAt": "08:00",
        "dayEndsAt": "14:00",
        "capacity": 2,
        "placesLeft": 1,
        "minAge": 15,
        "status": "PUBLISHED",
        "requiresApproval": True,
        "updatedAt": slot["updatedAt"],
        "employer": {
            "id": gid("Employer", world.employer.id),
            "name": "Café Solen",
            "city": "Varberg",
            "address": "Storgatan 1",
        },
    }


NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Slot { title }
  ... on Booking { status origin slot { title } pupil { firstName } period { name } }
  ... on Pupil { firstName lastName yearGroup className email externalId school { name } }
  ... on School { name }
  ... on Period { name periodYearGroup: yearGroup mode startDate cancelDeadline
    periodSchool: school { name } }
  ... on Employer { name }
} }"""


async def test_node_resolves_every_type(world: World, as_user) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booking = (await book_slot(coordinator, world.slot.id, world.pupil_a.id)).value
    assert booking is not None
    api = await as_user(world.coordinator_a)

    async def node(type_name: str, pk: int) -> dict[str, Any]:
        found: dict[str, Any] = (await api.data(NODE, {"id": gid(type_name, pk)}))["node"]
        assert found["__typename"] == type_name and found["id"] == gid(type_name, pk)
        return found

    assert (await node("Slot", world.slot.id))["title"] == "Bagare"
    assert await node("Booking", booking.id) == {
        "__typename": "Booking",
        "id": gid("Booking", booking.id),
        "status": "CONFIRMED",
        "origin": "STAFF",
        "slot": {"title": "Bagare"},
        "pupil": {"firstName": "Alva"},
        "period": {"name": world.period_a.name},
    }
    pupil = await node("Pupil", world.pupil_a.id)
    assert pupil["lastName"] == "Andersson" and pupil["email"] == "alva@example.se"
    assert pupil["className"] == "8A" and pupil["yearGroup"] == 8
    assert pupil["externalId"] == world.pupil_a.external_id
    assert pupil["school"] == {"name": "Skola A"}
    assert (await node("School", world.school_a.id))["name"] == "Skola A"
    period = await node("Period", world.period_a.id)
    assert period["mode"] == "FIRST_COME" and period["periodSchool"] == {"name": "Skola A"}
    assert (await node("Employer", world.employer.id))["name"] == "Café Solen"


async def test_node_is_null_for_unknown_or_malformed_ids(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    for value in [
        gid("Slot", 999_999),
        gid("Organiser", world.organiser.id),
        gid("Slot", 2**40),
        "not base64!",
        base64.b64encode(b"Slot").decode(),
        base64.b64encode(b"Slot:-1").decode(),
        "",
    ]:
        assert (await api.data(NODE, {"id": value}))["node"] is None, value


VIEWER = """{ viewer { kind role name pupil { firstName } school { name } employer { name } } }"""


async def test_viewer_for_each_kind_of_caller(world: World, as_user, as_token, anonymous) -> None:
    assert (await anonymous.data(VIEWER))["viewer"] == {
        "kind": "ANONYMOUS",
        "role": None,
        "name": None,
        "pupil": None,
        "school": None,
        "employer": None,
    }
    pupil = await as_user(world.pupil_a_user)
    assert (await pupil.data(VIEWER))["viewer"] == {
        "kind": "USER",
        "role": "PUPIL",
        "name": world.pupil_a_user.name,
        "pupil": {"firstName": "Alva"},
        "school": {"name": "Skola A"},
        "employer": None,
    }
    employer = await as_user(world.employer_user)
    viewer = (await employer.data(VIEWER))["viewer"]
    assert viewer["role"] == "EMPLOYER" and viewer["employer"] == {"name": "Café Solen"}
    assert viewer["school"] is None and viewer["pupil"] is None
    coordinator = await as_user(world.coordinator_b)
    viewer = (await coordinator.data(VIEWER))["viewer"]
    assert viewer["role"] == "COORDINATOR" and viewer["school"] == {"name": "Skola B"}
    token = await as_token(world.school_a)
    assert (await token.data(VIEWER))["viewer"] == {
        "kind": "TOKEN",
        "role": None,
        "name": "Skolsystem",
        "pupil": None,
        "school": {"name": "Skola A"},
        "employer": None,
    }
    organiser_token = await as_token(organiser=world.organiser)
    viewer = (await organiser_token.data(VIEWER))["viewer"]
    assert viewer["kind"] == "TOKEN" and viewer["school"] is None


PERIODS = "{ periods { id name school { name } } }"


async def test_periods_visible_to_the_caller(world: World, as_user, as_token) -> None:
    later = await factories.period(
        world.school_a,
        start_date=clock.today() + timedelta(days=200),
        end_date=clock.today() + timedelta(days=210),
    )
    token = await as_token(world.school_a)
    assert [p["id"] for p in (await token.data(PERIODS))["periods"]] == [
        gid("Period", world.period_a.id),
        gid("Period", later.id),
    ]
    pupil_b = await as_user(world.pupil_b_user)
    assert (await pupil_b.data(PERIODS))["periods"] == [
        {
            "id": gid("Period", world.period_b.id),
            "name": world.period_b.name,
            "school": {"name": "Skola B"},
        }
    ]
    organiser_token = await as_token(organiser=world.organiser)
    assert len((await organiser_token.data(PERIODS))["periods"]) == 3
    employer = await as_user(world.employer_user)
    assert (await employer.data(PERIODS))["periods"] == []


BOOKINGS = """query($filter: BookingFilter, $first: Int, $after: String) {
  bookings(filter: $filter, first: $first, after: $after) {
    totalCount edges { node { id status pupil { firstName } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_bookings_filter_and_paging(world: World, as_token) -> None:
    coordinator = await world.actor(world.coordinator_a)
    other_period = await factories.period(world.school_a, year_group=9)
    nine = await factories.pupil(world.school_a, first_name="Nio", year_group=9)
    first = (await book_slot(coordinator, world.slot.id, world.pupil_a.id)).value
    second = (await book_slot(coordinator, world.slot.id, world.pupil_a2.id)).value
    extra = await factories.slot(world.employer)
    third = (await book_slot(coordinator, extra.id, nine.id)).value
    assert first and second and third and third.period_id == other_period.id
    await cancel_booking(coordinator, second.id, "Sjuk")
    api = await as_token(world.school_a)

    async def names(**flt: object) -> list[str]:
        page = await api.data(BOOKINGS, {"filter": flt})
        return [e["node"]["pupil"]["firstName"] for e in page["bookings"]["edges"]]

    assert await names() == ["Alva", "Hugo", "Nio"]
    assert await names(status="CANCELLED") == ["Hugo"]
    assert await names(status="CONFIRMED") == ["Alva", "Nio"]
    assert await names(periodId=gid("Period", other_period.id)) == ["Nio"]
    future = (clock.now() + timedelta(minutes=5)).isoformat()
    assert await names(updatedSince=future) == []
    past = (clock.now() - timedelta(minutes=5)).isoformat()
    assert await names(updatedSince=past) == ["Alva", "Hugo", "Nio"]
    assert await names(updatedSince="2000-01-01T00:00:00") == ["Alva", "Hugo", "Nio"]
    # The ends of the calendar: no overflow when moved between time zones.
    assert await names(updatedSince="0001-01-01T00:00:00") == ["Alva", "Hugo", "Nio"]
    assert await names(updatedSince="9999-12-31T23:59:59-12:00") == []

    page = (await api.data(BOOKINGS, {"first": 2}))["bookings"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(BOOKINGS, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["id"] for e in rest["bookings"]["edges"]] == [gid("Booking", third.id)]


async def test_bookings_of_a_pupil_are_her_own(world: World, as_user) -> None:
    coordinator = await world.actor(world.coordinator_a)
    own = (await book_slot(coordinator, world.slot.id, world.pupil_a.id)).value
    assert (await book_slot(coordinator, world.slot.id, world.pupil_a2.id)).value
    assert own is not None
    pupil = await as_user(world.pupil_a_user)
    page = (await pupil.data(BOOKINGS))["bookings"]
    assert [e["node"]["id"] for e in page["edges"]] == [gid("Booking", own.id)]
    assert page["edges"][0]["node"]["status"] == BookingStatus.CONFIRMED.name


PUPILS = """query($filter: PupilFilter, $first: Int) {
  pupils(filter: $filter, first: $first) {
    totalCount edges { node { id firstName lastName className school { name } } }
  }
}"""


async def test_pupils_list_and_filter(world: World, as_token, as_user) -> None:
    await factories.pupil(world.school_a, first_name="Ture", class_name="8B")
    token = await as_token(world.school_a)

    async def names(**flt: object) -> list[str]:
        page = await token.data(PUPILS, {"filter": flt})
        return [e["node"]["firstName"] for e in page["pupils"]["edges"]]

    assert await names() == ["Alva", "Hugo", "Ture"]
    assert await names(text="holm") == ["Hugo"]
    assert await names(text=world.pupil_a.external_id) == ["Alva"]
    assert await names(className="8B") == ["Ture"]
    assert await names(schoolId=gid("School", world.school_b.id)) == []

    admin = await as_user(world.admin)
    page = await admin.data(PUPILS, {"filter": {"schoolId": gid("School", world.school_b.id)}})
    assert [e["node"]["firstName"] for e in page["pupils"]["edges"]] == ["Bea"]
    assert page["pupils"]["totalCount"] == 1
