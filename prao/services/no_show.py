"""'Eleven har inte kommit': the supervisor tells the school, the same day, that a pupil did
not come, by the one-time link each pupil has in the first-day brief (no account). The day is
recorded as absent (a day the pupil reported her absence stays reported), and the school's
contact and the guardians are e-mailed at once; the coordinator sees it on the period's
attendance page."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.config import current_settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import (
    AttendanceDay,
    AttendanceStatus,
    Booking,
    BookingLink,
    BookingStatus,
    Guardian,
    LinkPurpose,
)
from prao.services import attendance
from prao.validation import day_after, midnight, valid_id

NOTE = "Kom inte (meddelat av handledaren)"
NOT_TODAY = "Det går bara att meddela under praons arbetsdagar."
ALREADY = "Du har redan meddelat skolan. Kontakta skolan om något har ändrats."


def _url(booking_id: int, raw: str) -> str:
    return f"{current_settings().base_url.rstrip('/')}/handledare/inte-kommit/{booking_id}/{raw}"


async def links_for(
    conn: BaseDBAsyncClient, bookings: Sequence[Booking], address: str, now: datetime
) -> dict[int, str]:
    """One link per booking for the supervisor's brief, valid until the placement's last day
    is over (bookings with slot fetched), in the brief's transaction."""
    urls: dict[int, str] = {}
    for booking in bookings:
        raw = secrets.token_urlsafe(32)
        await BookingLink.create(
            booking_id=booking.id,
            purpose=LinkPurpose.REPORT_NO_SHOW,
            token_hash=hash_secret(raw),
            email=address,
            expires_at=midnight(day_after(booking.slot.end_date)),
            using_db=conn,
        )
        urls[booking.id] = _url(booking.id, raw)
    return urls


@dataclass(frozen=True)
class NoShowPage:
    link: BookingLink
    booking: Booking  # with pupil__school and slot__employer fetched
    today: date

    @property
    def pupil(self) -> policy.PupilView:
        return policy.workplace_view(self.booking.pupil, self.booking.pupil.school)

    @property
    def reported(self) -> bool:
        return self.link.used_at is not None


async def open_report(
    booking_id: int, raw: str, now: datetime | None = None
) -> Outcome[NoShowPage]:
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.REPORT_NO_SHOW
    )
    if link is None or link.booking_id != booking_id:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    if link.used_at is None and link.expires_at <= now:
        return Outcome.fail(ErrorCode.LINK_EXPIRED, "token", "Praon är slut, länken gäller inte.")
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", attendance.NOT_PLACED)
    return Outcome(value=NoShowPage(link, booking, clock.local(now).date()))


async def report(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[NoShowPage]:
    """Once, on a working day of the placement: the day absent, the school and guardians told."""
    now = now or clock.now()
    opened = await open_report(booking_id, raw, now)
    if opened.value is None:
        return Outcome(errors=opened.errors)
    page = opened.value
    if page.reported:
        return Outcome.fail(ErrorCode.LINK_USED, "token", ALREADY)
    slot = page.booking.slot
    if page.today not in attendance.working_days(slot.start_date, slot.end_date):
        return Outcome.fail(ErrorCode.INVALID, "token", NOT_TODAY)
    pupil = page.booking.pupil
    guardians = await Guardian.filter(pupil_id=pupil.id).values_list("email", flat=True)
    try:
        async with in_transaction() as conn:
            spent = (
                await BookingLink.filter(id=page.link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            if not spent:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", ALREADY))
            reported_absent = (
                await AttendanceDay.filter(
                    booking_id=booking_id, day=page.today, status=AttendanceStatus.ABSENT_REPORTED
                )
                .using_db(conn)
                .exists()
            )
            if not reported_absent:
                change = attendance.Change(page.today, AttendanceStatus.ABSENT, NOTE)
                by = f"supervisor-link:{page.link.id}"
                await attendance.write(conn, booking_id, [change], by)
            await notices.no_show_report(
                booking=page.booking,
                slot=slot,
                pupil=pupil,
                day=page.today,
                addresses=[pupil.school.contact_email, *guardians],  # type: ignore[list-item]
                connection=conn,
            )
            await audit.record(
                Actor(
                    kind="supervisor-link", id=page.link.id, organiser_id=pupil.school.organiser_id
                ),
                "report_no_show",
                "attendance",
                connection=conn,
                booking_id=booking_id,
                day=page.today.isoformat(),
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await open_report(booking_id, raw, now)
