"""The mail due at and after a placement's end, each sent once: on the last day (from the
afternoon) the supervisor's link to confirm the week; the day after, the link to the
certificate; 3 and 7 days after that, if it is still unsigned, a reminder with a fresh link.
Each step is claimed by a conditional write (the certificate row's uniqueness, then a column
that must still be empty), so two sweeps at once, or a sweep run again, send nothing twice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import notices, policy
from prao.auth import hash_secret
from prao.clock import local
from prao.config import current_settings
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    Certificate,
    LinkPurpose,
    Slot,
    User,
)
from prao.services.first_day_brief import current_assessment

ATTENDANCE_FROM_HOUR = 13  # the last day's afternoon: the week is nearly done
CATCH_UP_DAYS = 7  # a sweep missed for days still asks, this long after the end
ATTENDANCE_LINK_DAYS = 30
CERTIFICATE_LINK_DAYS = 60
REMINDERS = ((3, "reminded_3_at"), (7, "reminded_7_at"))


@dataclass(frozen=True)
class Supervisor:
    name: str
    address: str | None


async def supervisor_of(slot: Slot) -> Supervisor:
    """Whom the workplace named: the risk assessment's supervisor, else the slot's handledare,
    else the employer's contact (slot with employer fetched)."""
    assessment = await current_assessment(slot.id)
    user = await User.get_or_none(id=slot.supervisor_id) if slot.supervisor_id else None
    name = (assessment.supervisor_name if assessment else "") or (user.name if user else "")
    address = (
        (assessment.supervisor_email if assessment else "")
        or (user.email if user else "")
        or slot.employer.contact_email
    )
    return Supervisor(name, address or None)


def _url(kind: str, booking_id: int, raw: str) -> str:
    return f"{current_settings().base_url.rstrip('/')}/handledare/{kind}/{booking_id}/{raw}"


async def send_after_the_end(now: datetime) -> list[int]:
    """Every request and reminder due now; answers the new messages' ids."""
    return [
        *await _request_attendance(now),
        *await _request_certificates(now),
        *await _remind(now),
    ]


async def _request_attendance(now: datetime) -> list[int]:
    today = local(now).date()
    last = today if local(now).hour >= ATTENDANCE_FROM_HOUR else today - timedelta(days=1)
    due = await Booking.filter(
        status=BookingStatus.CONFIRMED,
        slot__end_date__lte=last,
        slot__end_date__gte=today - timedelta(days=CATCH_UP_DAYS),
    ).select_related("pupil__school", "slot__employer")
    asked = {c.booking_id for c in await Certificate.filter(booking_id__in=[b.id for b in due])}
    ids: list[int] = []
    for booking in sorted(due, key=lambda b: b.id):
        if booking.id in asked:
            continue
        supervisor = await supervisor_of(booking.slot)
        raw = secrets.token_urlsafe(32)
        try:
            async with in_transaction() as conn:
                await Certificate.create(
                    booking_id=booking.id, attendance_requested_at=now, using_db=conn
                )
                if supervisor.address is None:
                    continue  # nobody to ask: the coordinator sees the week unconfirmed
                await BookingLink.create(
                    booking_id=booking.id,
                    purpose=LinkPurpose.CONFIRM_ATTENDANCE,
                    token_hash=hash_secret(raw),
                    email=supervisor.address,
                    expires_at=now + timedelta(days=ATTENDANCE_LINK_DAYS),
                    using_db=conn,
                )
                message = await notices.attendance_request(
                    booking=booking,
                    slot=booking.slot,
                    pupil=policy.workplace_view(booking.pupil, booking.pupil.school),
                    to_address=supervisor.address,
                    supervisor_name=supervisor.name,
                    url=_url("narvaro", booking.id, raw),
                    link_days=ATTENDANCE_LINK_DAYS,
                    connection=conn,
                )
                ids.append(message.id)
        except IntegrityError:  # another sweep asked first
            continue
    return ids


async def _request_certificates(now: datetime) -> list[int]:
    today = local(now).date()
    due = await Certificate.filter(
        requested_at__isnull=True,
        signed_at__isnull=True,
        booking__status=BookingStatus.CONFIRMED,
        booking__slot__end_date__lt=today,
    ).order_by("id")
    ids: list[int] = []
    for certificate in due:
        ids += await _ask(certificate, now, "requested_at", reminder=False)
    return ids


async def _remind(now: datetime) -> list[int]:
    ids: list[int] = []
    for days, column in REMINDERS:
        due = await Certificate.filter(
            signed_at__isnull=True,
            requested_at__lte=now - timedelta(days=days),
            booking__status=BookingStatus.CONFIRMED,
            **{f"{column}__isnull": True},
        ).order_by("id")
        for certificate in due:
            # The first reminder goes first, in an earlier sweep: a sweep that missed days
            # sends one reminder, not two at once.
            first = certificate.reminded_3_at
            if column == "reminded_7_at" and (first is None or first >= now):
                continue
            ids += await _ask(certificate, now, column, reminder=True)
    return ids


async def _ask(certificate: Certificate, now: datetime, column: str, reminder: bool) -> list[int]:
    """Claim the step by its empty column, then mail a fresh link, in one transaction."""
    if certificate.booking_id is None:
        return []
    booking = (
        await Booking.filter(id=certificate.booking_id)
        .select_related("pupil__school", "slot__employer")
        .get()
    )
    supervisor = await supervisor_of(booking.slot)
    raw = secrets.token_urlsafe(32)
    async with in_transaction() as conn:
        claimed = (
            await Certificate.filter(
                id=certificate.id, signed_at__isnull=True, **{f"{column}__isnull": True}
            )
            .using_db(conn)
            .update(**{column: now})
        )
        if not claimed or supervisor.address is None:
            return []
        await BookingLink.create(
            booking_id=booking.id,
            purpose=LinkPurpose.SIGN_CERTIFICATE,
            token_hash=hash_secret(raw),
            email=supervisor.address,
            expires_at=now + timedelta(days=CERTIFICATE_LINK_DAYS),
            using_db=conn,
        )
        message = await notices.certificate_request(
            booking=booking,
            slot=booking.slot,
            pupil=policy.workplace_view(booking.pupil, booking.pupil.school),
            to_address=supervisor.address,
            supervisor_name=supervisor.name,
            url=_url("intyg", booking.id, raw),
            link_days=CERTIFICATE_LINK_DAYS,
            reminder=reminder,
            connection=conn,
        )
    return [message.id]
