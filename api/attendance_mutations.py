"""Attendance for staff and school systems: one input, one payload with typed errors; the rules
live in prao.services.attendance."""

from __future__ import annotations

import dataclasses
from datetime import date

import strawberry

from api.context import Info
from api.inputs import text_of
from api.mutation_errors import MutationError, pk_of
from api.types import AttendanceStatus, Booking
from prao.errors import DomainError, ErrorCode
from prao.services import attendance

MAX_DAYS = 31


@strawberry.type
class AttendanceError(MutationError):
    pass


@strawberry.input
class AttendanceDayInput:
    date: date
    status: AttendanceStatus
    note: str | None = strawberry.field(default=None, description="At most 300 characters.")


@strawberry.input
class RecordAttendanceInput:
    booking_id: strawberry.ID
    days: list[AttendanceDayInput] = strawberry.field(
        description="The days to record or correct (working days of the placement, at most 31)."
    )


@strawberry.type
class RecordAttendancePayload:
    booking: Booking | None
    errors: list[AttendanceError]


def _on_days(error: DomainError) -> DomainError:
    """A day's error is about the input's `days`."""
    if error.field and error.field.startswith(("day_", "note_")):
        return dataclasses.replace(error, field="days")
    return error


@strawberry.type
class AttendanceMutation:
    @strawberry.mutation(
        description="Record or correct a confirmed booking's attendance (the school's staff "
        "and school systems with WRITE); audited."
    )
    async def record_attendance(
        self, info: Info, input: RecordAttendanceInput
    ) -> RecordAttendancePayload:
        booking_id = pk_of(input.booking_id, "Booking", "bookingId")
        if isinstance(booking_id, DomainError):
            return RecordAttendancePayload(
                booking=None, errors=[AttendanceError.from_domain(booking_id)]
            )
        if len(input.days) > MAX_DAYS:
            error = DomainError.of(ErrorCode.INVALID, "days", f"Högst {MAX_DAYS} dagar.")
            return RecordAttendancePayload(
                booking=None, errors=[AttendanceError.from_domain(error)]
            )
        changes = [
            attendance.Change(d.date, AttendanceStatus(d.status), text_of(d.note))
            for d in input.days
        ]
        outcome = await attendance.record(info.context.actor, booking_id, changes)
        booking = Booking.from_row(outcome.value) if outcome.value is not None else None
        errors = [AttendanceError.from_domain(_on_days(e)) for e in outcome.errors]
        return RecordAttendancePayload(booking=booking, errors=errors)
