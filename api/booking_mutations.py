"""Booking mutations: one input, one payload with typed errors; the rules live in
prao.services.booking."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.inputs import text_of
from api.mutation_errors import MutationError, pk_of
from api.types import Booking
from prao import models
from prao.errors import DomainError, Outcome
from prao.services import booking as booking_service


@strawberry.type
class BookingError(MutationError):
    pass


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


def _result(outcome: Outcome[models.Booking]) -> tuple[Booking | None, list[BookingError]]:
    booking = Booking.from_row(outcome.value) if outcome.value is not None else None
    return booking, BookingError.all_from(outcome.errors)


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="Book a place: a pupil for herself, staff for a pupil.")
    async def book_slot(self, info: Info, input: BookSlotInput) -> BookSlotPayload:
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return BookSlotPayload(booking=None, errors=[BookingError.from_domain(slot_id)])
        pupil_id = None if input.pupil_id is None else pk_of(input.pupil_id, "Pupil", "pupilId")
        if isinstance(pupil_id, DomainError):
            return BookSlotPayload(booking=None, errors=[BookingError.from_domain(pupil_id)])
        outcome = await booking_service.book_slot(info.context.actor, slot_id, pupil_id)
        booking, errors = _result(outcome)
        return BookSlotPayload(booking=booking, errors=errors)

    @strawberry.mutation(description="Cancel a booking and free its place.")
    async def cancel_booking(self, info: Info, input: CancelBookingInput) -> CancelBookingPayload:
        booking_id = pk_of(input.booking_id, "Booking", "bookingId")
        if isinstance(booking_id, DomainError):
            return CancelBookingPayload(booking=None, errors=[BookingError.from_domain(booking_id)])
        outcome = await booking_service.cancel_booking(
            info.context.actor, booking_id, text_of(input.reason)
        )
        booking, errors = _result(outcome)
        return CancelBookingPayload(booking=booking, errors=errors)
