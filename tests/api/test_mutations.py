"""bookSlot and cancelBooking for every kind of caller; every refusal is a typed payload error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from prao import clock
from prao.errors import ErrorCode
from prao.models import Booking, BookingStatus, Period, Slot, SlotStatus
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.callers import Caller, gid
from tests.factories import World

BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status origin slot { id placesLeft } pupil { id firstName } period { id } }
  errors { code field message }
} }"""

CANCEL = """mutation($input: CancelBookingInput!) { cancelBooking(input: $input) {
  booking { id status reason slot { placesLeft } }
  errors { code field message }
} }"""


async def snapshot() -> tuple[list[tuple[int, int]], list[tuple[int, str]]]:
    """Every slot's taken places and every booking's status: what a refusal must not change."""
    taken = await Slot.all().order_by("id").values_list("id", "taken")
    bookings = await Booking.all().order_by("id").values_list("id", "status")
    return list(taken), list(bookings)


async def test_pupil_books_for_herself_with_cookie_and_csrf(world: World, as_user) -> None:
    pupil = await as_user(world.pupil_a_user)
    data = await pupil.data(BOOK, {"input": {"slotId": gid("Slot", world.slot.id)}})
    payload = data["bookSlot"]
    assert payload["errors"] == []
    booking = await Booking.get(pupil_id=world.pupil_a.id)
    assert payload["booking"] == {
        "id": gid("Booking", booking.id),
        "status": "CONFIRMED",
        "origin": "PUPIL",
        "slot": {"id": gid("Slot", world.slot.id), "placesLeft": 1},
        "pupil": {"id": gid("Pupil", world.pupil_a.id), "firstName": "Alva"},
        "period": {"id": gid("Period", world.period_a.id)},
    }
    assert (await Slot.get(id=world.slot.id)).taken == 1


async def test_coordinator_books_for_a_pupil(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    variables = {
        "input": {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", world.pupil_a2.id)}
    }
    payload = (await coordinator.data(BOOK, variables))["bookSlot"]
    assert payload["errors"] == []
    assert payload["booking"]["origin"] == "STAFF"
    assert payload["booking"]["pupil"]["firstName"] == "Hugo"
    booking = await Booking.get(pupil_id=world.pupil_a2.id)
    assert booking.created_by_id == world.coordinator_a.id


async def test_token_books_for_a_pupil_and_pending_when_approval_is_required(
    world: World, as_token
) -> None:
    await Slot.filter(id=world.slot.id).update(requires_approval=True)
    api = await as_token(world.school_a)
    variables = {
        "input": {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", world.pupil_a.id)}
    }
    payload = (await api.data(BOOK, variables))["bookSlot"]
    assert payload["errors"] == []
    assert payload["booking"]["origin"] == "API"
    assert payload["booking"]["status"] == "PENDING"
    assert (await Booking.get(pupil_id=world.pupil_a.id)).status == BookingStatus.PENDING


@pytest.mark.parametrize("who", ["pupil", "coordinator", "token"])
async def test_cancel_booking_frees_the_place(world: World, as_user, as_token, who: str) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booking = (await book_slot(coordinator, world.slot.id, world.pupil_a.id)).value
    assert booking is not None
    callers = {
        "pupil": lambda: as_user(world.pupil_a_user),
        "coordinator": lambda: as_user(world.coordinator_a),
        "token": lambda: as_token(world.school_a),
    }
    caller = await callers[who]()
    # NUL cannot be stored: refused on its field, and the booking stays (issue: NUL refused).
    variables = {"input": {"bookingId": gid("Booking", booking.id), "reason": " Sjuk\x00 "}}
    refused = (await caller.data(CANCEL, variables))["cancelBooking"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", "reason")]
    assert (await Booking.get(id=booking.id)).status != BookingStatus.CANCELLED
    variables = {"input": {"bookingId": gid("Booking", booking.id), "reason": " Sjuk "}}
    payload = (await caller.data(CANCEL, variables))["cancelBooking"]
    assert payload["errors"] == []
    assert payload["booking"] == {
        "id": gid("Booking", booking.id),
        "status": "CANCELLED",
        "reason": "Sjuk",
        "slot": {"placesLeft": 2},
    }
    stored = await Booking.get(id=booking.id)
    assert stored.status == BookingStatus.CANCELLED and stored.cancelled_at is not None
    assert (await Slot.get(id=world.slot.id)).taken == 0


@dataclass
class Callers:
    world: World
    as_user: Callable[..., Awaitable[Caller]]
    as_token: Callable[..., Awaitable[Caller]]
    anonymous: Caller

    async def pupil(self) -> Caller:
        return await self.as_user(self.world.pupil_a_user)

    async def coordinator(self) -> Caller:
        return await self.as_user(self.world.coordinator_a)

    async def booked(self) -> Booking:
        """Pupil A holds a place on the world's slot."""
        actor = await self.world.actor(self.world.coordinator_a)
        booking = (await book_slot(actor, self.world.slot.id, self.world.pupil_a.id)).value
        assert booking is not None
        return booking


Request = tuple[Caller, str, dict[str, Any]]


def book(slot_id: str, pupil_id: str | None = None) -> dict[str, Any]:
    return {"input": {"slotId": slot_id, "pupilId": pupil_id}}


def cancel(booking_id: str, reason: str | None = None) -> dict[str, Any]:
    return {"input": {"bookingId": booking_id, "reason": reason}}


async def slot_full(c: Callers) -> Request:
    small = await factories.slot(c.world.employer, capacity=1)
    other = await c.world.actor(c.world.coordinator_b)
    assert (await book_slot(other, small.id, c.world.pupil_b.id)).value
    return await c.pupil(), BOOK, book(gid("Slot", small.id))


async def already_booked(c: Callers) -> Request:
    await c.booked()
    other = await factories.slot(c.world.employer)
    return await c.pupil(), BOOK, book(gid("Slot", other.id))


async def booking_closed(c: Callers) -> Request:
    await Period.filter(id=c.world.period_a.id).update(booking_opens_at=factories.at(3))
    return await c.pupil(), BOOK, book(gid("Slot", c.world.slot.id))


async def dates_do_not_match(c: Callers) -> Request:
    start = clock.today() + timedelta(days=300)
    later = await factories.slot(c.world.employer, start_date=start, end_date=start)
    return await c.pupil(), BOOK, book(gid("Slot", later.id))


async def not_published(c: Callers) -> Request:
    closed = await factories.slot(c.world.employer, status=SlotStatus.CLOSED)
    return (
        await c.coordinator(),
        BOOK,
        book(gid("Slot", closed.id), gid("Pupil", c.world.pupil_a2.id)),
    )


async def not_visible(c: Callers) -> Request:
    return await c.pupil(), BOOK, book(gid("Slot", c.world.slot_b_only.id))


async def too_young(c: Callers) -> Request:
    adult = await factories.slot(c.world.employer, min_age=18)
    return await c.pupil(), BOOK, book(gid("Slot", adult.id))


async def cancel_deadline_passed(c: Callers) -> Request:
    booking = await c.booked()
    await Period.filter(id=c.world.period_a.id).update(cancel_deadline=factories.at(-1))
    return await c.pupil(), CANCEL, cancel(gid("Booking", booking.id))


async def not_active(c: Callers) -> Request:
    booking = await c.booked()
    await cancel_booking(await c.world.actor(c.world.coordinator_a), booking.id)
    return await c.as_token(c.world.school_a), CANCEL, cancel(gid("Booking", booking.id))


async def forbidden_anonymous(c: Callers) -> Request:
    return c.anonymous, BOOK, book(gid("Slot", c.world.slot.id), gid("Pupil", c.world.pupil_a.id))


async def forbidden_employer(c: Callers) -> Request:
    employer = await c.as_user(c.world.employer_user)
    return employer, BOOK, book(gid("Slot", c.world.slot.id), gid("Pupil", c.world.pupil_a.id))


async def forbidden_other_pupil(c: Callers) -> Request:
    other = gid("Pupil", c.world.pupil_a2.id)
    return await c.pupil(), BOOK, book(gid("Slot", c.world.slot.id), other)


async def forbidden_anonymous_cancel(c: Callers) -> Request:
    booking = await c.booked()
    return c.anonymous, CANCEL, cancel(gid("Booking", booking.id))


async def not_found_pupil_of_other_school(c: Callers) -> Request:
    other = gid("Pupil", c.world.pupil_b.id)
    return await c.coordinator(), BOOK, book(gid("Slot", c.world.slot.id), other)


async def not_found_slot(c: Callers) -> Request:
    return await c.pupil(), BOOK, book(gid("Slot", 999_999))


async def not_found_id_of_another_type(c: Callers) -> Request:
    return await c.pupil(), BOOK, book(gid("Employer", c.world.employer.id))


async def not_found_booking_of_other_school(c: Callers) -> Request:
    other = await c.world.actor(c.world.coordinator_b)
    booking = (await book_slot(other, c.world.slot.id, c.world.pupil_b.id)).value
    assert booking is not None
    return await c.as_token(c.world.school_a), CANCEL, cancel(gid("Booking", booking.id))


async def invalid_malformed_id(c: Callers) -> Request:
    return await c.pupil(), BOOK, book("inte-ett-id")


async def invalid_malformed_pupil_id(c: Callers) -> Request:
    return await c.coordinator(), BOOK, book(gid("Slot", c.world.slot.id), "%%%")


async def invalid_no_pupil_for_staff(c: Callers) -> Request:
    return await c.as_token(c.world.school_a), BOOK, book(gid("Slot", c.world.slot.id))


async def invalid_long_reason(c: Callers) -> Request:
    booking = await c.booked()
    return await c.pupil(), CANCEL, cancel(gid("Booking", booking.id), "x" * 1001)


REFUSALS: list[tuple[Callable[[Callers], Awaitable[Request]], ErrorCode, str | None]] = [
    (slot_full, ErrorCode.SLOT_FULL, "slotId"),
    (already_booked, ErrorCode.ALREADY_BOOKED, "slotId"),
    (booking_closed, ErrorCode.BOOKING_CLOSED, "slotId"),
    (dates_do_not_match, ErrorCode.DATES_DO_NOT_MATCH, "slotId"),
    (not_published, ErrorCode.NOT_PUBLISHED, "slotId"),
    (not_visible, ErrorCode.NOT_VISIBLE, "slotId"),
    (too_young, ErrorCode.TOO_YOUNG, "slotId"),
    (cancel_deadline_passed, ErrorCode.CANCEL_DEADLINE_PASSED, "bookingId"),
    (not_active, ErrorCode.NOT_ACTIVE, "bookingId"),
    (forbidden_anonymous, ErrorCode.FORBIDDEN, None),
    (forbidden_employer, ErrorCode.FORBIDDEN, None),
    (forbidden_other_pupil, ErrorCode.FORBIDDEN, "pupilId"),
    (forbidden_anonymous_cancel, ErrorCode.FORBIDDEN, "bookingId"),
    (not_found_pupil_of_other_school, ErrorCode.NOT_FOUND, "pupilId"),
    (not_found_slot, ErrorCode.NOT_FOUND, "slotId"),
    (not_found_id_of_another_type, ErrorCode.NOT_FOUND, "slotId"),
    (not_found_booking_of_other_school, ErrorCode.NOT_FOUND, "bookingId"),
    (invalid_malformed_id, ErrorCode.INVALID, "slotId"),
    (invalid_malformed_pupil_id, ErrorCode.INVALID, "pupilId"),
    (invalid_no_pupil_for_staff, ErrorCode.INVALID, "pupilId"),
    (invalid_long_reason, ErrorCode.INVALID, "reason"),
]


def test_every_error_code_is_reached() -> None:
    from tests.api.test_allocation import ALLOCATION_CODES
    from tests.api.test_coordinator import THROTTLE_CODES
    from tests.api.test_employer import EMPLOYER_CODES
    from tests.api.test_risk_assessment import ASSESSMENT_CODES
    from tests.api.test_wishes import WISH_CODES

    reached = {code for _, code, _ in REFUSALS} | EMPLOYER_CODES | WISH_CODES | ALLOCATION_CODES
    reached |= THROTTLE_CODES | ASSESSMENT_CODES
    assert reached == set(ErrorCode)


@pytest.mark.parametrize(
    ("scenario", "code", "field"), REFUSALS, ids=[s.__name__ for s, _, _ in REFUSALS]
)
async def test_refusal_is_a_payload_error_and_changes_nothing(
    world: World, as_user, as_token, anonymous, scenario, code: ErrorCode, field: str | None
) -> None:
    caller, mutation, variables = await scenario(Callers(world, as_user, as_token, anonymous))
    before = await snapshot()
    payload = await caller.data(mutation, variables)
    (result,) = payload.values()
    assert result["booking"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code.value, field)]
    assert result["errors"][0]["message"]
    assert await snapshot() == before
