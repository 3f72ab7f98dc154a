"""'Eleven har inte kommit': the supervisor tells the school, the same day, that a pupil did
not come, by the one-time link each pupil has in the first-day brief (no account) or, signed
in, from her slot's page. The day is recorded as absent (a day the pupil reported her absence
stays reported), and the school's contact and the guardians are e-mailed at once; the
coordinator sees it on the period's page. From the employer's pages a day is told once,
whoever told it first, and a day the pupil or a guardian reported is not told again."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
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
    Role,
)
from prao.services import attendance
from prao.validation import day_after, midnight, valid_id

NOTE = "Kom inte (meddelat av handledaren)"
TOLD_TODAY = "Skolan har redan fått besked i dag om att eleven inte har kommit."
REPORTED_TODAY = "Eleven har redan anmält frånvaro i dag, och skolan har fått besked."
DONE_OR_REPORTED = (AttendanceStatus.ABSENT, AttendanceStatus.ABSENT_REPORTED)
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


def working_day(booking: Booking, today: date) -> bool:
    """Whether today is one the pupil should be at work (booking with slot fetched)."""
    slot = booking.slot
    return today in attendance.working_days(slot.start_date, slot.end_date)


async def _tell(
    conn: BaseDBAsyncClient, booking: Booking, today: date, by: Actor, recorded_by: str
) -> None:
    """The one effect, by link or from the employer's pages, in the caller's transaction: the
    day absent (a day the pupil reported stays reported), her school and guardians mailed
    (booking with pupil__school and slot fetched)."""
    pupil = booking.pupil
    guardians = (
        await Guardian.filter(pupil_id=pupil.id).using_db(conn).values_list("email", flat=True)
    )
    reported_absent = (
        await AttendanceDay.filter(
            booking_id=booking.id, day=today, status=AttendanceStatus.ABSENT_REPORTED
        )
        .using_db(conn)
        .exists()
    )
    if not reported_absent:
        change = attendance.Change(today, AttendanceStatus.ABSENT, NOTE)
        await attendance.write(conn, booking.id, [change], recorded_by)
    await notices.no_show_report(
        booking=booking,
        slot=booking.slot,
        pupil=pupil,
        day=today,
        addresses=[pupil.school.contact_email, *guardians],  # type: ignore[list-item]
        connection=conn,
    )
    await audit.record(
        by,
        "report_no_show",
        "attendance",
        connection=conn,
        booking_id=booking.id,
        day=today.isoformat(),
    )


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
    if not working_day(page.booking, page.today):
        return Outcome.fail(ErrorCode.INVALID, "token", NOT_TODAY)
    by = Actor(
        kind="supervisor-link",
        id=page.link.id,
        organiser_id=page.booking.pupil.school.organiser_id,
    )
    try:
        async with in_transaction() as conn:
            spent = (
                await BookingLink.filter(id=page.link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            if not spent:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", ALREADY))
            await _tell(conn, page.booking, page.today, by, f"supervisor-link:{page.link.id}")
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await open_report(booking_id, raw, now)


# From the employer's pages (signed in)


@dataclass(frozen=True)
class HostedNoShow:
    booking: Booking  # with pupil__school and slot__employer fetched
    pupil: policy.PupilView  # as the workplace may see her
    today: date
    refusal: DomainError | None  # why it cannot be told now; None: it can


async def _refusal(booking: Booking, today: date) -> DomainError | None:
    if booking.status != BookingStatus.CONFIRMED:
        return DomainError.of(ErrorCode.NOT_ACTIVE, "booking_id", attendance.NOT_PLACED)
    if not working_day(booking, today):
        return DomainError.of(ErrorCode.INVALID, "booking_id", NOT_TODAY)
    known = await AttendanceDay.get_or_none(booking_id=booking.id, day=today)
    if known is not None and known.status == AttendanceStatus.ABSENT:
        return DomainError.of(ErrorCode.DUPLICATE, "booking_id", TOLD_TODAY)
    if known is not None and known.status == AttendanceStatus.ABSENT_REPORTED:
        return DomainError.of(ErrorCode.DUPLICATE, "booking_id", REPORTED_TODAY)
    return None


async def for_employer(
    actor: Actor, booking_id: int, now: datetime | None = None
) -> Outcome[HostedNoShow]:
    """A booking of one of her own slots, and whether she can tell the school today; anyone
    else's booking is not found (and nothing is read)."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    if not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot__employer")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    today = clock.local(now or clock.now()).date()
    view = await policy.pupil_view(
        actor, booking.pupil, purpose="web:arbetsgivare:inte-kommit", booking_id=booking.id
    )
    return Outcome(value=HostedNoShow(booking, view, today, await _refusal(booking, today)))


async def report_by_employer(
    actor: Actor, booking_id: int, now: datetime | None = None
) -> Outcome[HostedNoShow]:
    """The link's effect, once a day: the day is claimed by a conditional write, so two
    clicks at once (or the link and the page) tell the school once."""
    if lacking := policy.lacks_write(actor, "booking_id"):
        return Outcome(errors=[lacking])
    now = now or clock.now()
    found = await for_employer(actor, booking_id, now)
    if found.value is None:
        return found
    hosted = found.value
    if hosted.refusal is not None:
        return Outcome(errors=[hosted.refusal])
    try:
        async with in_transaction() as conn:
            claimed = await attendance.claim_day(
                conn, hosted.booking.id, hosted.today, AttendanceStatus.ABSENT, DONE_OR_REPORTED
            )
            if not claimed:
                raise Refused(DomainError.of(ErrorCode.DUPLICATE, "booking_id", TOLD_TODAY))
            await _tell(conn, hosted.booking, hosted.today, actor, actor.label)
    except IntegrityError:  # the same day claimed at the same moment by another request
        return Outcome.fail(ErrorCode.DUPLICATE, "booking_id", TOLD_TODAY)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await for_employer(actor, booking_id, now)
