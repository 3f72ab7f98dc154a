"""The employer's mutations through GraphQL, with typed payload errors; and authorisation:
employer A neither sees nor changes employer B's slots and bookings, by web or GraphQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prao.errors import ErrorCode
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    OutboxMessage,
    Role,
    Slot,
    SlotStatus,
)
from prao.services.booking import book_slot
from tests import factories
from tests.callers import gid, token_of
from tests.factories import World

SLOT_FIELDS = (
    "slot { id title status capacity dayStartsAt dayEndsAt requiresApproval }"
    " errors { code field message }"
)
CREATE = f"mutation($input: CreateSlotInput!) {{ createSlot(input: $input) {{ {SLOT_FIELDS} }} }}"
UPDATE = f"mutation($input: UpdateSlotInput!) {{ updateSlot(input: $input) {{ {SLOT_FIELDS} }} }}"
PUBLISH = f"mutation($input: SlotIdInput!) {{ publishSlot(input: $input) {{ {SLOT_FIELDS} }} }}"
CLOSE = f"mutation($input: SlotIdInput!) {{ closeSlot(input: $input) {{ {SLOT_FIELDS} }} }}"
DECIDE = """mutation($input: DecideBookingInput!) { decideBooking(input: $input) {
  booking { id status reason pupil { firstName lastName className email } }
  errors { code field message } } }"""
SELF_FOUND = """mutation($input: RegisterSelfFoundPlacementInput!) {
  registerSelfFoundPlacement(input: $input) {
    booking { id status origin } errors { code field } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"

# The codes only the employer side and self-found links give; each is asserted below
# (GraphQL payloads) or in test_self_found.py / test_web.py (the link, which has no account).
EMPLOYER_CODES = {
    ErrorCode.HOURS_NOT_ALLOWED,
    ErrorCode.END_BEFORE_START,
    ErrorCode.CAPACITY_BELOW_TAKEN,
    ErrorCode.NOT_PENDING,
    ErrorCode.LINK_USED,
    ErrorCode.LINK_EXPIRED,
    ErrorCode.EMPLOYER_NOT_APPROVED,  # publishSlot: test_vetting.py
}


def slot_input(**kw: Any) -> dict[str, Any]:
    start, end = factories.prao_weeks()
    values: dict[str, Any] = {
        "title": "Elektriker", "tasks": "Dra kabel", "address": "Elgatan 1", "city": "Varberg",
        "startDate": start.isoformat(), "endDate": end.isoformat(),
        "dayStartsAt": "08:00", "dayEndsAt": "14:00", "capacity": 2, "requiresApproval": True,
    }  # fmt: skip
    values.update(kw)
    return values


async def test_create_update_publish_close(world: World, as_user) -> None:
    me = await as_user(world.employer_user)
    created = (await me.data(CREATE, {"input": slot_input()}))["createSlot"]
    assert created["errors"] == []
    assert created["slot"]["status"] == "DRAFT" and created["slot"]["dayEndsAt"] == "14:00"
    slot_id = created["slot"]["id"]
    updated = (await me.data(UPDATE, {"input": slot_input(slotId=slot_id, capacity=4)}))[
        "updateSlot"
    ]
    assert updated["errors"] == [] and updated["slot"]["capacity"] == 4
    published = (await me.data(PUBLISH, {"input": {"slotId": slot_id}}))["publishSlot"]
    assert published["slot"]["status"] == "PUBLISHED"
    closed = (await me.data(CLOSE, {"input": {"slotId": slot_id}}))["closeSlot"]
    assert closed["slot"]["status"] == "CLOSED"


async def test_refusals_are_typed_payload_errors_with_the_field(world: World, as_user) -> None:
    me = await as_user(world.employer_user)
    cases = [
        (slot_input(dayEndsAt="15:45"), "HOURS_NOT_ALLOWED", "dayEndsAt"),
        (slot_input(dayStartsAt="05:00"), "HOURS_NOT_ALLOWED", "dayStartsAt"),
        (slot_input(dayEndsAt="13:00", breakMinutes=0), "HOURS_NOT_ALLOWED", "breakMinutes"),
        (slot_input(dayEndsAt="07:00"), "END_BEFORE_START", "dayEndsAt"),
        (slot_input(endDate="2020-01-01"), "END_BEFORE_START", "endDate"),
        (slot_input(visibleToAll=False, schoolIds=[gid("School", world.school_x.id)]),
         "NOT_FOUND", "schoolIds"),
        (slot_input(visibleToAll=False, schoolIds=["inte-ett-id"]), "INVALID", "schoolIds"),
    ]  # fmt: skip
    for data, code, field in cases:
        payload = (await me.data(CREATE, {"input": data}))["createSlot"]
        assert payload["slot"] is None
        assert (payload["errors"][0]["code"], payload["errors"][0]["field"]) == (code, field)
        assert payload["errors"][0]["message"]
    assert not await Slot.filter(title="Elektriker").exists()


async def test_capacity_below_taken_through_graphql(world: World, as_user) -> None:
    for pupil in (world.pupil_a_user, world.pupil_b_user):
        assert (await book_slot(await world.actor(pupil), world.slot.id)).ok
    me = await as_user(world.employer_user)
    payload = (
        await me.data(UPDATE, {"input": slot_input(slotId=gid("Slot", world.slot.id), capacity=1)})
    )["updateSlot"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("CAPACITY_BELOW_TAKEN", "capacity")
    ]
    assert (await Slot.get(id=world.slot.id)).capacity == 2


async def test_decide_booking_approve_and_decline(world: World, as_user) -> None:
    slot = await factories.slot(world.employer, requires_approval=True)
    secret = await factories.pupil(world.school_a, first_name="Sigrid", security_marking=True)
    a = (await book_slot(await world.actor(world.pupil_a_user), slot.id)).value
    s = (await book_slot(await world.actor(await factories.pupil_user(secret)), slot.id)).value
    assert a and s
    me = await as_user(world.employer_user)
    ok = (
        await me.data(DECIDE, {"input": {"bookingId": gid("Booking", a.id), "decision": "APPROVE"}})
    )["decideBooking"]
    assert ok["errors"] == [] and ok["booking"]["status"] == "CONFIRMED"
    no = (
        await me.data(
            DECIDE,
            {"input": {"bookingId": gid("Booking", s.id), "decision": "DECLINE", "reason": "Nej"}},
        )
    )["decideBooking"]
    assert no["booking"]["status"] == "DECLINED" and no["booking"]["reason"] == "Nej"
    # A protected pupil is a first name only, to an employer.
    assert no["booking"]["pupil"] == {
        "firstName": "Sigrid", "lastName": None, "className": None, "email": None
    }  # fmt: skip
    assert (await Slot.get(id=slot.id)).taken == 1
    again = (
        await me.data(DECIDE, {"input": {"bookingId": gid("Booking", s.id), "decision": "APPROVE"}})
    )["decideBooking"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_PENDING", "bookingId")]


async def test_register_self_found_placement(world: World, as_user) -> None:
    pupil = await as_user(world.pupil_a_user)
    start = world.period_a.start_date
    end = start + timedelta(days=2)
    data = {"name": "Blomman", "contactEmail": "blomman@example.se", "tasks": "Blommor",
            "startDate": start.isoformat(), "endDate": end.isoformat()}  # fmt: skip
    payload = (await pupil.data(SELF_FOUND, {"input": data}))["registerSelfFoundPlacement"]
    assert payload["errors"] == []
    assert (
        payload["booking"]["status"] == "PENDING" and payload["booking"]["origin"] == "SELF_FOUND"
    )
    assert await BookingLink.all().count() == 1
    employer = await as_user(world.employer_user)
    refused = (await employer.data(SELF_FOUND, {"input": data}))["registerSelfFoundPlacement"]
    assert refused["errors"] == [{"code": "FORBIDDEN", "field": None}]


# -- authorisation: A against B --------------------------------------------------------------------


async def b_world(world: World) -> tuple[Slot, Booking]:
    """Employer B (same organiser as A) with a published slot and a pending booking on it."""
    b = await factories.employer(world.organiser, name="B:s Verkstad")
    world.other_employer_user = await factories.user(
        Role.EMPLOYER, employer_id=b.id
    )  # employer B's person, in A's organiser
    slot = await factories.slot(b, title="B:s plats", requires_approval=True)
    booking = (await book_slot(await world.actor(world.pupil_a_user), slot.id)).value
    assert booking
    return slot, booking


async def test_graphql_employer_a_cannot_see_or_change_b(world: World, as_user) -> None:
    slot, booking = await b_world(world)
    a = await as_user(world.employer_user)
    for node in (gid("Slot", slot.id), gid("Booking", booking.id), gid("Pupil", booking.pupil_id)):
        assert (await a.data(NODE, {"id": node}))["node"] is None
    decided = (
        await a.data(
            DECIDE, {"input": {"bookingId": gid("Booking", booking.id), "decision": "DECLINE"}}
        )
    )["decideBooking"]
    assert [(e["code"], e["field"]) for e in decided["errors"]] == [("NOT_FOUND", "bookingId")]
    sid = gid("Slot", slot.id)
    for query, name, variables in (
        (UPDATE, "updateSlot", {"input": slot_input(slotId=sid, title="Kapad")}),
        (PUBLISH, "publishSlot", {"input": {"slotId": sid}}),
        (CLOSE, "closeSlot", {"input": {"slotId": sid}}),
    ):
        payload = (await a.data(query, variables))[name]
        assert payload["slot"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "slotId")]
    bookings = await a.data("{ bookings(first: 50) { nodes { id } } }")
    assert gid("Booking", booking.id) not in {n["id"] for n in bookings["bookings"]["nodes"]}
    after = await Slot.get(id=slot.id)
    assert (after.title, after.status) == ("B:s plats", SlotStatus.PUBLISHED)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    assert not await OutboxMessage.filter(kind="booking_declined").exists()


async def test_graphql_others_cannot_decide(world: World, as_user, as_token, anonymous) -> None:
    slot, booking = await b_world(world)
    variables = {"input": {"bookingId": gid("Booking", booking.id), "decision": "APPROVE"}}
    for caller in (
        await as_user(world.pupil_a_user),
        await as_user(world.coordinator_a),
        await as_token(world.school_a),
        anonymous,
    ):
        payload = (await caller.data(DECIDE, variables))["decideBooking"]
        assert payload["booking"] is None
        assert payload["errors"][0]["code"] == "FORBIDDEN"
        created = (await caller.data(CREATE, {"input": slot_input()}))["createSlot"]
        assert created["errors"][0]["code"] == "FORBIDDEN"
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    assert not await Slot.filter(title="Elektriker").exists()


async def test_web_employer_a_cannot_see_or_change_b(world: World, browser_for) -> None:
    slot, booking = await b_world(world)
    async with browser_for(world.employer_user) as c:
        token = await token_of(c, "/oversikt")
        start = await c.get("/oversikt")
        assert "B:s plats" not in start.text and "Alva" not in start.text
        for path in (
            f"/arbetsgivare/platser/{slot.id}",
            f"/arbetsgivare/platser/{slot.id}/andra",
            f"/arbetsgivare/platser/{slot.id}/stang",
            f"/arbetsgivare/bokningar/{booking.id}/neka",
        ):
            page = await c.get(path)
            assert page.status_code == 404, path
            assert "Alva" not in page.text and "B:s plats" not in page.text
        for path, data in (
            (f"/arbetsgivare/platser/{slot.id}/andra", {"title": "Kapad"}),
            (f"/arbetsgivare/platser/{slot.id}/publicera", {}),
            (f"/arbetsgivare/platser/{slot.id}/stang", {}),
            (f"/arbetsgivare/platser/{slot.id}/kopiera", {}),
            (f"/arbetsgivare/bokningar/{booking.id}/godkann", {}),
            (f"/arbetsgivare/bokningar/{booking.id}/neka", {"reason": "x"}),
        ):
            done = await c.post(path, data={"csrf_token": token, **data})
            assert done.status_code == 404, (path, done.status_code)
            assert "Alva" not in done.text
    after = await Slot.get(id=slot.id)
    assert (after.title, after.status, after.taken) == ("B:s plats", SlotStatus.PUBLISHED, 1)
    assert not await Slot.filter(copied_from_id=slot.id).exists()
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    # B herself can.
    async with browser_for(world.other_employer_user) as c:
        assert (await c.get(f"/arbetsgivare/platser/{slot.id}")).status_code == 200
