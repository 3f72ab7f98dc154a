"""The pupil reports, the same day, that she is sick or will be late: one tap on her placement
card records the day (absent, reported; or late) and mails her supervisor and her school's
contact at once. Tapping again changes nothing and sends nothing."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.errors import ErrorCode, Outcome
from prao.models import AttendanceDay, AttendanceStatus, Booking, BookingStatus
from prao.services import attendance
from prao.services.after_the_end import supervisor_of
from prao.validation import valid_id

NOT_A_DAY = "Du kan anmäla frånvaro på praons arbetsdagar."


class Absence(StrEnum):
    SICK = "sick"
    LATE = "late"


STATUS = {Absence.SICK: AttendanceStatus.ABSENT_REPORTED, Absence.LATE: AttendanceStatus.LATE}
NOTE = {
    Absence.SICK: "Sjukanmäld av eleven",
    Absence.LATE: "Eleven har meddelat att hen kommer sent",
}


def reportable(booking: Booking, today: date) -> bool:
    """Whether the pupil can report today (booking with slot fetched)."""
    slot = booking.slot
    return booking.status == BookingStatus.CONFIRMED and today in attendance.working_days(
        slot.start_date, slot.end_date
    )


async def report(
    actor: Actor, booking_id: int, absence: Absence, now: datetime | None = None
) -> Outcome[AttendanceDay]:
    """The pupil's own booking only; anyone else is refused before any lookup."""
    if not actor.is_pupil:
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    if not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    now = now or clock.now()
    today = clock.local(now).date()
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot__employer")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    if not reportable(booking, today):
        return Outcome.fail(ErrorCode.INVALID, "booking_id", NOT_A_DAY)
    status = STATUS[absence]
    known = await AttendanceDay.get_or_none(booking_id=booking.id, day=today)
    if known is not None and known.status == status:
        return Outcome(value=known)  # tapped twice: said already
    supervisor = await supervisor_of(booking.slot)
    async with in_transaction() as conn:
        change = attendance.Change(today, status, NOTE[absence])
        await attendance.write(conn, booking.id, [change], actor.label)
        await notices.absence_report(
            booking=booking,
            slot=booking.slot,
            pupil=booking.pupil,
            day=today,
            sick=absence is Absence.SICK,
            supervisor_address=supervisor.address,
            school_address=booking.pupil.school.contact_email,
            connection=conn,
        )
        await audit.record(
            actor, "report_absence", "attendance", connection=conn, booking_id=booking.id
        )
        day = await AttendanceDay.get(booking_id=booking.id, day=today, using_db=conn)
    return Outcome(value=day)
