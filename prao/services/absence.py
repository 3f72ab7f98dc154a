"""The same-day absence report: the pupil (one tap on her placement card) or a guardian (the
link in the first-day e-mail, prao.services.guardian_absence) says she is sick or will be
late today. The day is recorded (absent, reported; or late) and her supervisor and her
school's contact are mailed at once. Reporting the same again changes nothing and sends
nothing; only the placement's working days can be reported."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.errors import ErrorCode, Outcome
from prao.models import AttendanceDay, AttendanceStatus, Booking, BookingStatus
from prao.services import attendance
from prao.services.after_the_end import Supervisor, supervisor_of
from prao.validation import valid_id

NOT_A_DAY = "Du kan anmäla frånvaro på praons arbetsdagar."


class Absence(StrEnum):
    SICK = "sick"
    LATE = "late"


class Reporter(StrEnum):
    PUPIL = "pupil"
    GUARDIAN = "guardian"


STATUS = {Absence.SICK: AttendanceStatus.ABSENT_REPORTED, Absence.LATE: AttendanceStatus.LATE}
NOTE = {
    (Absence.SICK, Reporter.PUPIL): "Sjukanmäld av eleven",
    (Absence.LATE, Reporter.PUPIL): "Eleven har meddelat att hen kommer sent",
    (Absence.SICK, Reporter.GUARDIAN): "Sjukanmäld av vårdnadshavare",
    (Absence.LATE, Reporter.GUARDIAN): "Vårdnadshavare har meddelat att eleven kommer sent",
}


def parse(value: str) -> Absence:
    """What a form sent: late, or else sick (the button most people need)."""
    return Absence.LATE if value == Absence.LATE.value else Absence.SICK


def reportable(booking: Booking, today: date) -> bool:
    """Whether the pupil can report today (booking with slot fetched)."""
    slot = booking.slot
    return booking.status == BookingStatus.CONFIRMED and today in attendance.working_days(
        slot.start_date, slot.end_date
    )


async def today_status(booking_id: int, today: date) -> AttendanceStatus | None:
    known = await AttendanceDay.get_or_none(booking_id=booking_id, day=today)
    return AttendanceStatus(known.status) if known is not None else None


class _SaidAlready(Exception):
    """Another report of the same got there first: nothing to tell."""


async def record(
    booking: Booking,
    today: date,
    absence: Absence,
    by: Actor,
    reporter: Reporter = Reporter.PUPIL,
) -> Outcome[AttendanceDay]:
    """The one rule for every reporter (booking with pupil__school and slot__employer fetched,
    already found to be the reporter's): a working day of the confirmed placement, recorded
    and told once."""
    if not reportable(booking, today):
        return Outcome.fail(ErrorCode.INVALID, "booking_id", NOT_A_DAY)
    status = STATUS[absence]
    known = await AttendanceDay.get_or_none(booking_id=booking.id, day=today)
    if known is not None and known.status == status:
        return Outcome(value=known)  # said already
    supervisor = await supervisor_of(booking.slot)
    try:
        return Outcome(value=await _tell(booking, today, absence, by, reporter, supervisor))
    except (IntegrityError, _SaidAlready):  # the same report at the same moment
        return Outcome(value=await AttendanceDay.get(booking_id=booking.id, day=today))


async def _tell(
    booking: Booking,
    today: date,
    absence: Absence,
    by: Actor,
    reporter: Reporter,
    supervisor: Supervisor,
) -> AttendanceDay:
    status = STATUS[absence]
    async with in_transaction() as conn:
        if not await attendance.claim_day(conn, booking.id, today, status):
            raise _SaidAlready
        change = attendance.Change(today, status, NOTE[absence, reporter])
        await attendance.write(conn, booking.id, [change], by.label)
        await notices.absence_report(
            booking=booking,
            slot=booking.slot,
            pupil=booking.pupil,
            day=today,
            sick=absence is Absence.SICK,
            supervisor_address=supervisor.address,
            school_address=booking.pupil.school.contact_email,
            by_guardian=reporter is Reporter.GUARDIAN,
            connection=conn,
        )
        await audit.record(
            by,
            "report_absence",
            "attendance",
            connection=conn,
            booking_id=booking.id,
            day=today.isoformat(),
        )
        return await AttendanceDay.get(booking_id=booking.id, day=today, using_db=conn)


async def report(
    actor: Actor, booking_id: int, absence: Absence, now: datetime | None = None
) -> Outcome[AttendanceDay]:
    """The pupil's own booking only; anyone else is refused before any lookup."""
    if not actor.is_pupil:
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    if not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    now = now or clock.now()
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot__employer")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    return await record(booking, clock.local(now).date(), absence, actor)
