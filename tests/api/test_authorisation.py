"""Nobody reads past their scope: lists, node(id) and nested fields all go through prao.policy."""

from __future__ import annotations

from prao.models import AuditEvent, Booking, Pupil
from prao.services.booking import book_slot
from tests import factories
from tests.callers import gid
from tests.factories import World

PUPILS = "{ pupils(first: 100) { totalCount edges { node { id firstName } } } }"
BOOKINGS = """{ bookings(first: 100) { totalCount edges { node {
  id pupil { id firstName lastName email className externalId }
} } } }"""
NODE = """query($id: ID!) { node(id: $id) { id
  ... on Pupil { firstName lastName }
  ... on Booking { pupil { firstName lastName } }
} }"""


async def book_each_school(world: World) -> tuple[Booking, Booking]:
    """Pupil A (school A) and pupil B (school B) booked on the shared slot by their staff."""
    a = await book_slot(await world.actor(world.coordinator_a), world.slot.id, world.pupil_a.id)
    b = await book_slot(await world.actor(world.coordinator_b), world.slot.id, world.pupil_b.id)
    assert a.value is not None and b.value is not None
    return a.value, b.value


async def test_school_token_reads_only_its_own_pupils_and_bookings(world: World, as_token) -> None:
    booking_a, booking_b = await book_each_school(world)
    api = await as_token(world.school_a)

    pupils = (await api.data(PUPILS))["pupils"]
    assert {e["node"]["firstName"] for e in pupils["edges"]} == {"Alva", "Hugo"}
    assert pupils["totalCount"] == 2

    bookings = (await api.data(BOOKINGS))["bookings"]
    assert [e["node"]["id"] for e in bookings["edges"]] == [gid("Booking", booking_a.id)]
    assert bookings["edges"][0]["node"]["pupil"]["lastName"] == "Andersson"

    for foreign in [
        gid("Pupil", world.pupil_b.id),
        gid("Booking", booking_b.id),
        gid("Pupil", world.pupil_x.id),
        gid("School", world.school_b.id),
        gid("Period", world.period_b.id),
        gid("Slot", world.slot_b_only.id),
    ]:
        assert (await api.data(NODE, {"id": foreign}))["node"] is None, foreign
    own = await api.data(NODE, {"id": gid("Booking", booking_a.id)})
    assert own["node"]["pupil"] == {"firstName": "Alva", "lastName": "Andersson"}


async def test_organiser_token_reads_all_its_schools_but_no_other_organiser(
    world: World, as_token
) -> None:
    await book_each_school(world)
    api = await as_token(organiser=world.organiser)
    pupils = (await api.data(PUPILS))["pupils"]
    assert {e["node"]["firstName"] for e in pupils["edges"]} == {"Alva", "Hugo", "Bea"}
    assert (await api.data(BOOKINGS))["bookings"]["totalCount"] == 2
    assert (await api.data(NODE, {"id": gid("Pupil", world.pupil_x.id)}))["node"] is None


async def test_other_organisers_data_is_invisible(world: World, as_token, as_user) -> None:
    theirs = await factories.slot(world.other_employer, title="Murare")
    await book_each_school(world)
    api = await as_token(world.school_x)
    slots = (await api.data("{ slots { edges { node { title employer { name } } } } }"))["slots"]
    assert slots["edges"] == [
        {"node": {"title": "Murare", "employer": {"name": "Falkenbergs Bygg"}}}
    ]
    assert (await api.data(BOOKINGS))["bookings"]["edges"] == []
    assert [e["node"]["firstName"] for e in (await api.data(PUPILS))["pupils"]["edges"]] == ["Xena"]
    for foreign in [
        gid("Slot", world.slot.id),
        gid("Employer", world.employer.id),
        gid("School", world.school_a.id),
        gid("Pupil", world.pupil_a.id),
    ]:
        assert (await api.data(NODE, {"id": foreign}))["node"] is None, foreign

    # And the other way round: our employer does not see their slot.
    employer = await as_user(world.employer_user)
    assert (await employer.data(NODE, {"id": gid("Slot", theirs.id)}))["node"] is None


async def test_employer_sees_only_the_first_name_of_a_protected_pupil(
    world: World, as_user
) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    booking_a, booking_b = await book_each_school(world)
    employer = await as_user(world.employer_user)
    pupils = {
        e["node"]["id"]: e["node"]["pupil"]
        for e in (await employer.data(BOOKINGS))["bookings"]["edges"]
    }
    assert pupils[gid("Booking", booking_a.id)] == {
        "id": gid("Pupil", world.pupil_a.id),
        "firstName": "Alva",
        "lastName": None,
        "email": None,
        "className": None,
        "externalId": None,
    }
    # An ordinary pupil: her first name, school and year group only (no surname either).
    assert pupils[gid("Booking", booking_b.id)]["lastName"] is None
    node = await employer.data(NODE, {"id": gid("Booking", booking_a.id)})
    assert node["node"]["pupil"] == {"firstName": "Alva", "lastName": None}
    # Pupil records themselves are not the employer's to look up.
    assert (await employer.data(NODE, {"id": gid("Pupil", world.pupil_b.id)}))["node"] is None

    coordinator = await as_user(world.coordinator_a)
    own = await coordinator.data(NODE, {"id": gid("Pupil", world.pupil_a.id)})
    assert own["node"]["lastName"] == "Andersson"


async def test_pupil_list_is_empty_for_pupils_employers_and_anonymous(
    world: World, as_user, anonymous
) -> None:
    await book_each_school(world)
    for caller in [
        await as_user(world.pupil_a_user),
        await as_user(world.employer_user),
        anonymous,
    ]:
        pupils = (await caller.data(PUPILS))["pupils"]
        assert pupils == {"totalCount": 0, "edges": []}
    assert (await anonymous.data(BOOKINGS))["bookings"]["edges"] == []
    assert (await anonymous.data("{ slots { totalCount } }"))["slots"]["totalCount"] == 0


async def test_pupil_reads_herself_but_not_classmates(world: World, as_user) -> None:
    pupil = await as_user(world.pupil_a_user)
    own = await pupil.data(NODE, {"id": gid("Pupil", world.pupil_a.id)})
    assert own["node"]["lastName"] == "Andersson"
    assert (await pupil.data(NODE, {"id": gid("Pupil", world.pupil_a2.id)}))["node"] is None


async def test_reads_of_pupil_data_are_audited_once_per_list_or_node(
    world: World, as_token, as_user
) -> None:
    await book_each_school(world)
    api = await as_token(world.school_a)

    await api.data(PUPILS)
    await api.data(BOOKINGS)
    await api.data(NODE, {"id": gid("Pupil", world.pupil_a.id)})
    await api.data(NODE, {"id": gid("Pupil", world.pupil_b.id)})  # not visible: not a read
    events = await AuditEvent.filter(object_type="pupil").order_by("id")
    assert [(e.action, e.object_count, e.detail.get("source")) for e in events] == [
        ("read", 2, "pupils"),
        ("read", 1, "nested"),
        ("read", 1, "node"),
    ]
    assert len({e.actor for e in events}) == 1 and events[0].actor.startswith("token:")

    pupil = await as_user(world.pupil_a_user)
    await pupil.data(BOOKINGS)
    await pupil.data(NODE, {"id": gid("Pupil", world.pupil_a.id)})
    assert await AuditEvent.filter(object_type="pupil").count() == 3  # herself: not audited
