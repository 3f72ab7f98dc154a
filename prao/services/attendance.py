"""Attendance: each working day (Monday to Friday) of a confirmed placement is present, absent
with or without a reported absence, or late. The supervisor confirms the week in one step from
the one-time link mailed on the last day (every day present unless an absence was reported,
each changeable); the school's staff see it and correct it, audited. A change of attendance
moves the booking's updated_at, so a school system's `bookings(updatedSince:)` sync sees it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import (
    AttendanceDay,
    AttendanceStatus,
    Booking,
    BookingLink,
    BookingStatus,
    LinkPurpose,
    Slot,
)
from prao.validation import text_problem, valid_id

STATUS_TEXT = {
    AttendanceStatus.PRESENT: "Närvarande",
    AttendanceStatus.LATE: "Kom sent",
    AttendanceStatus.ABSENT_REPORTED: "Frånvarande, anmäld",
    AttendanceStatus.ABSENT: "Frånvarande, inte anmäld",
}
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})
NOTE_LENGTH = 300
UNKNOWN_LINK = "Länken finns inte. Kontrollera att du har kopierat hela länken från mejlet."
ALREADY_CONFIRMED = "Veckan är redan bekräftad. Vill du ändra något, kontakta elevens skola."
NOT_A_DAY = "Dagen är inte en arbetsdag i praon."
BAD_STATUS = "Välj närvarande, kom sent eller frånvarande."
NOT_PLACED = "Eleven har ingen bekräftad praoplats här."


def working_days(start: date, end: date) -> list[date]:
    """Monday to Friday from start to end (public holidays count: the supervisor marks them)."""
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Day:
    day: date
    status: AttendanceStatus | None  # None: not recorded yet
    note: str = ""
    confirmed: bool = False
    updated_at: datetime | None = None

    @property
    def proposed(self) -> AttendanceStatus:
        """What the supervisor's form starts from: present unless something was recorded."""
        return self.status or AttendanceStatus.PRESENT

    @property
    def text(self) -> str:
        return STATUS_TEXT[self.status] if self.status else "Inte registrerad"


@dataclass(frozen=True)
class Change:
    day: date
    status: AttendanceStatus
    note: str = ""


def days_of(slot: Slot, rows: Sequence[AttendanceDay]) -> list[Day]:
    """Every working day of the slot, with what was recorded for it."""
    by_day = {row.day: row for row in rows}
    result = []
    for day in working_days(slot.start_date, slot.end_date):
        row = by_day.get(day)
        if row is None:
            result.append(Day(day, None))
        else:
            result.append(
                Day(
                    day,
                    AttendanceStatus(row.status),
                    row.note,
                    row.confirmed_at is not None,
                    row.updated_at,
                )
            )
    return result


async def booking_days(booking_ids: Sequence[int]) -> dict[int, list[Day]]:
    """The days of each booking, in two queries for any number of bookings."""
    bookings = await Booking.filter(id__in=list(booking_ids)).select_related("slot")
    rows: dict[int, list[AttendanceDay]] = {b.id: [] for b in bookings}
    for row in await AttendanceDay.filter(booking_id__in=list(rows)).order_by("day"):
        rows[row.booking_id].append(row)
    return {b.id: days_of(b.slot, rows[b.id]) for b in bookings}


def attended(days: Sequence[Day]) -> int:
    return sum(1 for d in days if d.status in ATTENDED)


def parse_status(value: str) -> AttendanceStatus | None:
    try:
        return AttendanceStatus(value)
    except ValueError:
        return None


def change_errors(slot: Slot, changes: Sequence[Change]) -> list[DomainError]:
    """Each change on a working day of the slot, once, with a note that can be stored."""
    allowed = set(working_days(slot.start_date, slot.end_date))
    errors: list[DomainError] = []
    seen: set[date] = set()
    for change in changes:
        field = f"day_{change.day.isoformat()}"
        if change.day not in allowed or change.day in seen:
            errors.append(DomainError.of(ErrorCode.INVALID, field, NOT_A_DAY))
        seen.add(change.day)
        if problem := text_problem(change.note, NOTE_LENGTH):
            errors.append(DomainError.of(ErrorCode.INVALID, f"note_{change.day}", problem))
    return errors


async def write(
    conn: BaseDBAsyncClient,
    booking_id: int,
    changes: Sequence[Change],
    recorded_by: str,
    confirmed_at: datetime | None = None,
) -> None:
    """Write the changed days (in day order, so two writers lock rows in one order) and move
    the booking's updated_at, in the caller's transaction."""
    now = clock.now()
    for change in sorted(changes, key=lambda c: c.day):
        values: dict[str, object] = {
            "status": change.status,
            "note": change.note.strip(),
            "recorded_by": recorded_by,
            "updated_at": now,
        }
        if confirmed_at is not None:
            values["confirmed_at"] = confirmed_at
        updated = (
            await AttendanceDay.filter(booking_id=booking_id, day=change.day)
            .using_db(conn)
            .update(**values)
        )
        if not updated:
            await AttendanceDay.create(
                booking_id=booking_id, day=change.day, using_db=conn, **values
            )
    await Booking.filter(id=booking_id).using_db(conn).update(updated_at=now)


async def claim_day(
    conn: BaseDBAsyncClient,
    booking_id: int,
    day: date,
    status: AttendanceStatus,
    keep: Collection[AttendanceStatus] = (),
) -> bool:
    """Set a day to `status` unless it already is, or is one of `keep`: whether it changed,
    by a conditional write in the caller's transaction, so two reports at once change it
    once (on PostgreSQL the second waits for the first's row, or fails on the unique day
    with IntegrityError, which the caller answers as already said)."""
    kept = [*{status, *keep}]
    rows = AttendanceDay.filter(booking_id=booking_id, day=day).using_db(conn)
    if await rows.filter(status__not_in=kept).update(status=status):
        return True
    if await rows.exists():
        return False
    await AttendanceDay.create(
        booking_id=booking_id, day=day, status=status, recorded_by="", using_db=conn
    )
    return True


# Staff: see and correct


async def _staff_booking(actor: Actor, booking_id: int) -> Outcome[Booking]:
    """The school's staff and its systems only: anyone else is refused before any lookup."""
    if not actor.is_school_staff:
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    if not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    booking = (
        await policy.bookings(actor).filter(id=booking_id).select_related("slot", "pupil").first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "booking_id", NOT_PLACED)
    return Outcome(value=booking)


@dataclass(frozen=True)
class Attendance:
    booking: Booking  # with slot and pupil fetched
    pupil: policy.PupilView
    days: list[Day]

    @property
    def attended(self) -> int:
        return attended(self.days)


async def for_staff(actor: Actor, booking_id: int) -> Outcome[Attendance]:
    """A booking's attendance for its school's staff; the read is audited."""
    found = await _staff_booking(actor, booking_id)
    if found.value is None:
        return Outcome(errors=found.errors)
    booking = found.value
    view = await policy.pupil_view(
        actor, booking.pupil, purpose="attendance", booking_id=booking.id
    )
    days = (await booking_days([booking.id]))[booking.id]
    return Outcome(value=Attendance(booking, view, days))


async def record(actor: Actor, booking_id: int, changes: Sequence[Change]) -> Outcome[Booking]:
    """Staff or a school system records or corrects days; audited with what changed."""
    if refused := policy.lacks_write(actor, "booking_id"):
        return Outcome(errors=[refused])
    found = await _staff_booking(actor, booking_id)
    if found.value is None:
        return Outcome(errors=found.errors)
    booking = found.value
    if not changes:
        return Outcome.fail(ErrorCode.INVALID, "days", "Ange minst en dag.")
    if errors := change_errors(booking.slot, changes):
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        await write(conn, booking.id, changes, actor.label)
        await audit.record(
            actor,
            "update",
            "attendance",
            len(changes),
            connection=conn,
            booking_id=booking.id,
            days={c.day.isoformat(): c.status.value for c in changes},
        )
        booking = await Booking.get(id=booking.id, using_db=conn)
    return Outcome(value=booking)


# The supervisor's one-time link


@dataclass(frozen=True)
class WeekPage:
    link: BookingLink
    booking: Booking  # with pupil__school and slot__employer fetched
    days: list[Day]

    @property
    def pupil(self) -> policy.PupilView:
        """The workplace's view: first name, school and year group (first name only when
        protected)."""
        return policy.workplace_view(self.booking.pupil, self.booking.pupil.school)

    @property
    def confirmed(self) -> bool:
        return self.link.used_at is not None


async def open_week(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[WeekPage]:
    """The week the link is about. Opening it changes nothing (mail scanners open links); a
    used link shows the confirmed week and cannot confirm again."""
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN_LINK)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.CONFIRM_ATTENDANCE
    )
    if link is None or link.booking_id != booking_id:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", UNKNOWN_LINK)
    if link.used_at is None and link.expires_at <= now:
        return Outcome.fail(
            ErrorCode.LINK_EXPIRED,
            "token",
            "Länken har slutat gälla. Kontakta elevens skola om närvaron.",
        )
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", NOT_PLACED)
    days = (await booking_days([booking.id]))[booking.id]
    return Outcome(value=WeekPage(link, booking, days))


async def confirm_week(
    booking_id: int, raw: str, statuses: Mapping[date, tuple[str, str]]
) -> Outcome[WeekPage]:
    """The supervisor's one step: every day of the week as the form says it (a day the form
    leaves out keeps what it proposed), once. `statuses` maps a day to (status, note)."""
    opened = await open_week(booking_id, raw)
    if opened.value is None:
        return Outcome(errors=opened.errors)
    page = opened.value
    if page.confirmed:
        return Outcome.fail(ErrorCode.LINK_USED, "token", ALREADY_CONFIRMED)
    changes, errors = [], []
    for day in page.days:
        status_text, note = statuses.get(day.day, (day.proposed.value, day.note))
        status = parse_status(status_text or day.proposed.value)  # none chosen: as proposed
        if status is None:
            errors.append(DomainError.of(ErrorCode.INVALID, f"day_{day.day}", BAD_STATUS))
            continue
        changes.append(Change(day.day, status, note))
    errors += change_errors(page.booking.slot, changes)
    if extra := sorted(set(statuses) - {d.day for d in page.days}):
        errors.append(DomainError.of(ErrorCode.INVALID, f"day_{extra[0]}", NOT_A_DAY))
    if errors:
        return Outcome(errors=errors)
    now = clock.now()
    try:
        async with in_transaction() as conn:
            spent = (
                await BookingLink.filter(id=page.link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            if not spent:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", ALREADY_CONFIRMED))
            by = f"supervisor-link:{page.link.id}"
            await write(conn, page.booking.id, changes, by, confirmed_at=now)
            organiser_id = page.booking.slot.employer.organiser_id
            await audit.record(
                Actor(kind="supervisor-link", id=page.link.id, organiser_id=organiser_id),
                "confirm",
                "attendance",
                len(changes),
                connection=conn,
                booking_id=page.booking.id,
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await open_week(booking_id, raw)
