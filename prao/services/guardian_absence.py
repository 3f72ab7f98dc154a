"""A guardian reports the pupil sick or late, the same day, by her own link in the first-day
e-mail (no account). The link is hers and holds for the whole placement, one report a day:
the rule is the pupil's own (prao.services.absence), so reporting the same again changes
nothing and sends nothing. A wrong token, another booking's address, a link past the
placement and a cancelled booking are refused, and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from prao import clock
from prao.actor import Actor
from prao.auth import hash_secret
from prao.errors import ErrorCode, Outcome
from prao.models import (
    AttendanceStatus,
    Booking,
    BookingLink,
    BookingStatus,
    LinkPurpose,
)
from prao.services import absence, attendance
from prao.validation import valid_id

ENDED = "Praon är slut, länken gäller inte längre. Kontakta skolan om frånvaron."


@dataclass(frozen=True)
class AbsencePage:
    link: BookingLink
    booking: Booking  # with pupil__school and slot__employer fetched
    today: date
    status: AttendanceStatus | None  # today's, as recorded

    @property
    def first_name(self) -> str:
        return self.booking.pupil.first_name

    @property
    def working_day(self) -> bool:
        return absence.reportable(self.booking, self.today)

    @property
    def status_text(self) -> str:
        return attendance.STATUS_TEXT[self.status] if self.status else ""


def _actor(link: BookingLink, booking: Booking) -> Actor:
    return Actor(kind="guardian-link", id=link.id, organiser_id=booking.pupil.school.organiser_id)


async def open_page(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[AbsencePage]:
    """What the link is about. Opening it (mail scanners do) changes nothing."""
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.REPORT_ABSENCE
    )
    if link is None or link.booking_id != booking_id:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    if link.expires_at <= now:
        return Outcome.fail(ErrorCode.LINK_EXPIRED, "token", ENDED)
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", attendance.NOT_PLACED)
    today = clock.local(now).date()
    return Outcome(
        value=AbsencePage(link, booking, today, await absence.today_status(booking.id, today))
    )


async def report(
    booking_id: int, raw: str, kind: absence.Absence, now: datetime | None = None
) -> Outcome[AbsencePage]:
    """The pupil's rule, reported by the guardian of the link; audited as her link."""
    now = now or clock.now()
    opened = await open_page(booking_id, raw, now)
    if opened.value is None:
        return opened
    page = opened.value
    done = await absence.record(
        page.booking, page.today, kind, _actor(page.link, page.booking), absence.Reporter.GUARDIAN
    )
    if done.value is None:
        return Outcome(errors=done.errors)
    return await open_page(booking_id, raw, now)
