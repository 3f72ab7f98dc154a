"""Write side: one input, one payload with typed errors; the rules live in prao.services.booking."""

from __future__ import annotations

import strawberry

from api import ids
from api.context import Info
from api.inputs import text_of
from api.types import Booking, ErrorCode
from prao import errors, models
from prao.errors import DomainError, Outcome
from prao.services import booking as booking_service

BAD_ID = "Ogiltigt id."


@strawberry.type
class BookingError:
    code: ErrorCode
    field: str | None = strawberry.field(description="The input field the error is about.")
    message: str = strawberry.field(description="Swedish, ready to show to the person.")

    @classmethod
    def from_domain(cls, error: DomainError) -> BookingError:
        return cls(code=ErrorCode(error.code), field=error.field, message=error.message)


@strawberry.input
class BookSlotInput:
    slot_id: strawberry.ID
    pupil_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff and API tokens: whom to book. A pupil omits it."
    )


@strawberry.type
class BookSlotPayload:
    booking: Booking | None
    errors: list[BookingError]


@strawberry.input
class CancelBookingInput:
    booking_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class CancelBookingPayload:
    booking: Booking | None
    errors: list[BookingError]


def _refusal(code: errors.ErrorCode, field: str, message: str | None = None) -> list[BookingError]:
    return [BookingError.from_domain(DomainError.of(code, field, message))]


def _pk(value: strawberry.ID, type_name: str, field: str) -> int | list[BookingError]:
    """A malformed id is INVALID; a well-formed id of another type names no such object."""
    decoded = ids.decode(value)
    if decoded is None:
        return _refusal(errors.ErrorCode.INVALID, field, BAD_ID)
    if decoded[0] != type_name:
        return _refusal(errors.ErrorCode.NOT_FOUND, field)
    return decoded[1]


def _result(outcome: Outcome[models.Booking]) -> tuple[Booking | None, list[BookingError]]:
    booking = Booking.from_row(outcome.value) if outcome.value is not None else None
    return booking, [BookingError.from_domain(e) for e in outcome.errors]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Book a place: a pupil for herself, staff for a pupil.")
    async def book_slot(self, info: Info, input: BookSlotInput) -> BookSlotPayload:
        slot_id = _pk(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, list):
            return BookSlotPayload(booking=None, errors=slot_id)
        pupil_id = None if input.pupil_id is None else _pk(input.pupil_id, "Pupil", "pupilId")
        if isinstance(pupil_id, list):
            return BookSlotPayload(booking=None, errors=pupil_id)
        outcome = await booking_service.book_slot(info.context.actor, slot_id, pupil_id)
        booking, errs = _result(outcome)
        return BookSlotPayload(booking=booking, errors=errs)

    @strawberry.mutation(description="Cancel a booking and free its place.")
    async def cancel_booking(self, info: Info, input: CancelBookingInput) -> CancelBookingPayload:
        booking_id = _pk(input.booking_id, "Booking", "bookingId")
        if isinstance(booking_id, list):
            return CancelBookingPayload(booking=None, errors=booking_id)
        outcome = await booking_service.cancel_booking(
            info.context.actor, booking_id, text_of(input.reason)
        )
        booking, errs = _result(outcome)
        return CancelBookingPayload(booking=booking, errors=errs)
