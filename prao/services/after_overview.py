"""A period after its placements, for its coordinator: each confirmed booking's attendance
(confirmed by the supervisor or not, days attended), certificate (signed, asked, reminded,
not yet asked) and evaluations (answered or not by the pupil and the supervisor; never the
answers), with the missing certificates counted."""

from __future__ import annotations

from dataclasses import dataclass

from prao import clock, policy
from prao.actor import Actor
from prao.errors import ErrorCode, Outcome
from prao.models import AttendanceDay, AttendanceStatus, Booking, BookingStatus, Certificate, Period
from prao.services import attendance, evaluation
from prao.validation import valid_id


@dataclass(frozen=True)
class AfterLine:
    booking: Booking  # with slot__employer fetched
    pupil: policy.PupilView
    days: list[attendance.Day]
    certificate: Certificate | None
    response: evaluation.Response | None = None

    @property
    def ended(self) -> bool:
        return self.booking.slot.end_date < clock.today()

    @property
    def attended(self) -> int:
        return attendance.attended(self.days)

    @property
    def absent_today(self) -> bool:
        today = clock.today()
        return any(d.day == today and d.status is AttendanceStatus.ABSENT for d in self.days)

    @property
    def week_confirmed(self) -> bool:
        return bool(self.days) and all(d.confirmed for d in self.days)

    @property
    def missing(self) -> bool:
        """Ended, and no signed certificate."""
        return self.ended and (self.certificate is None or self.certificate.signed_at is None)

    @property
    def certificate_text(self) -> str:
        c = self.certificate
        if c is not None and c.signed_at is not None:
            return f"Signerat av {c.signed_name}"
        if not self.ended:
            return "Praon pågår eller har inte börjat"
        if c is None or c.requested_at is None:
            return "Inte efterfrågat än"
        if c.reminded_7_at is not None:
            return "Saknas (påmint två gånger)"
        if c.reminded_3_at is not None:
            return "Saknas (påmint en gång)"
        return "Saknas (efterfrågat)"

    @property
    def evaluation_text(self) -> str:
        if not self.ended:
            return ""
        e = self.response
        pupil = "svarat" if e and e.pupil_answered else "inte svarat"
        supervisor = "svarat" if e and e.supervisor_answered else "inte svarat"
        return f"Elev: {pupil} · Handledare: {supervisor}"


@dataclass(frozen=True)
class AfterOverview:
    period: Period
    lines: list[AfterLine]

    @property
    def missing(self) -> list[AfterLine]:
        return [line for line in self.lines if line.missing]

    @property
    def ended(self) -> list[AfterLine]:
        return [line for line in self.lines if line.ended]

    @property
    def pupils_answered(self) -> int:
        return sum(bool(line.response and line.response.pupil_answered) for line in self.ended)

    @property
    def supervisors_answered(self) -> int:
        return sum(bool(line.response and line.response.supervisor_answered) for line in self.ended)


async def period_after(actor: Actor, period_id: int) -> Outcome[AfterOverview]:
    """The school's staff only; the read of the pupils is audited once."""
    if not actor.is_school_staff or not valid_id(period_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    period = await policy.periods(actor).filter(id=period_id).first()
    if period is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    bookings = (
        await policy.bookings(actor)
        .filter(period_id=period.id, status=BookingStatus.CONFIRMED)
        .select_related("pupil__school", "slot__employer")
        .order_by("slot__end_date", "id")
    )
    ids = [b.id for b in bookings]
    days = await attendance.booking_days(ids)
    certificates = {
        c.booking_id: c for c in await Certificate.filter(booking_id__in=ids) if c.booking_id
    }
    responses = await evaluation.responses(ids)
    views = await policy.pupil_views(
        actor, [b.pupil for b in bookings], purpose="web:narvaro-intyg", period_id=period.id
    )
    lines = [
        AfterLine(b, view, days.get(b.id, []), certificates.get(b.id), responses.get(b.id))
        for b, view in zip(bookings, views, strict=True)
    ]
    return Outcome(value=AfterOverview(period, lines))


async def missing_certificates(period_id: int) -> int:
    """Confirmed bookings of the period that have ended without a signed certificate (for the
    period page's count; no pupil is read)."""
    ended = Booking.filter(
        period_id=period_id,
        status=BookingStatus.CONFIRMED,
        slot__end_date__lt=clock.today(),
    )
    total = await ended.count()
    signed = await Certificate.filter(
        booking__period_id=period_id,
        booking__status=BookingStatus.CONFIRMED,
        booking__slot__end_date__lt=clock.today(),
        signed_at__isnull=False,
    ).count()
    return total - signed


async def absent_today(period_id: int) -> list[int]:
    """The bookings of the period whose pupil is recorded absent without a report today (a
    supervisor's "has not come"), for the period page's count and list."""
    rows = await AttendanceDay.filter(
        booking__period_id=period_id,
        booking__status=BookingStatus.CONFIRMED,
        day=clock.today(),
        status=AttendanceStatus.ABSENT,
    ).values("booking_id")
    return sorted(int(row["booking_id"]) for row in rows)
