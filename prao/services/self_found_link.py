"""The workplace's answer to a self-found placement: opening the one-time link it was mailed,
and confirming or declining the placement through it, without an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from prao import clock, outbox, policy
from prao.auth import hash_secret
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    LinkPurpose,
    Slot,
)
from prao.services.booking import release_place
from prao.validation import character_errors, clean_text


@dataclass(frozen=True)
class PendingLink:
    link: BookingLink
    booking: Booking  # with pupil__school and slot fetched

    @property
    def first_name(self) -> str:
        return self.booking.pupil.first_name

    @property
    def school_name(self) -> str | None:
        """The page is the workplace's: it names the pupil as a message to it would."""
        return policy.workplace_view(self.booking.pupil).school_name


async def open_link(raw: str, now: datetime | None = None) -> Outcome[PendingLink]:
    """What the link is about, if it may still be used. Reading it changes nothing."""
    now = now or clock.now()
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.CONFIRM_SELF_FOUND
    )
    if link is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", "Länken finns inte.")
    if link.used_at is not None:
        return Outcome.fail(ErrorCode.LINK_USED, "token")
    if link.expires_at <= now:
        return Outcome.fail(ErrorCode.LINK_EXPIRED, "token")
    booking = await Booking.get(id=link.booking_id).select_related("pupil__school", "slot")
    if booking.status != BookingStatus.PENDING:
        return Outcome.fail(ErrorCode.NOT_PENDING, "token")
    return Outcome(value=PendingLink(link, booking))


async def answer_link(raw: str, confirm: bool, reason: str = "") -> Outcome[Booking]:
    """Confirm or decline, once: the link and the booking each change by a conditional UPDATE."""
    opened = await open_link(raw)
    if not opened.ok or opened.value is None:
        return Outcome(errors=opened.errors)
    link, booking = opened.value.link, opened.value.booking
    if bad_text := character_errors({"reason": reason}):
        return Outcome(errors=bad_text)
    reason = clean_text(reason, 1000)
    now = clock.now()
    # expand_events adds the pupil's addresses and her guardians; the workplace is the link's
    # address, which the event keeps.
    status = BookingStatus.CONFIRMED if confirm else BookingStatus.DECLINED
    try:
        async with in_transaction() as conn:
            used = (
                await BookingLink.filter(id=link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            if not used:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token"))
            changed = (
                await Booking.filter(id=booking.id, status=BookingStatus.PENDING)
                .using_db(conn)
                .update(status=status, decided_at=now, updated_at=clock.now(), reason=reason)
            )
            if not changed:
                raise Refused(DomainError.of(ErrorCode.NOT_PENDING, "token"))
            if not confirm:
                await release_place(conn, booking.slot_id, now)
            booking = await Booking.get(id=booking.id, using_db=conn)
            slot = await Slot.get(id=booking.slot_id, using_db=conn)
            event = await outbox.record_event(
                kind="self_found_confirmed" if confirm else "booking_declined",
                booking=booking,
                slot=slot,
                connection=conn,
                recipients=[link.email],
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event.id])
    return Outcome(value=booking)
