"""An employer's decision on a pending booking, and pending bookings left waiting too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from prao import audit, clock, outbox, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import Booking, BookingLink, BookingOrigin, BookingStatus, Role, Slot
from prao.services.booking import MAX_REASON_LENGTH, release_place
from prao.validation import character_errors, clean_text, valid_id

BOOKING_NOT_FOUND = "Bokningen finns inte."


async def decide_booking(
    actor: Actor, booking_id: int, approve: bool, reason: str = ""
) -> Outcome[Booking]:
    """Only the slot's own employer decides; a decline frees the place at once."""
    if refusal := policy.lacks_write(actor, "booking_id"):
        return Outcome(errors=[refusal])
    if bad_text := character_errors({"reason": reason}):
        return Outcome(errors=bad_text)
    reason = clean_text(reason)
    if len(reason) > MAX_REASON_LENGTH:
        return Outcome.fail(
            ErrorCode.INVALID, "reason", "Meddelandet är för långt (högst 1000 tecken)."
        )
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    booking = (
        # With its slot, which the event describes: no re-read after the change.
        await policy.bookings(actor).select_related("slot").get_or_none(id=booking_id)
        if valid_id(booking_id)
        else None
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id", BOOKING_NOT_FOUND)
    if booking.status != BookingStatus.PENDING:
        return Outcome.fail(ErrorCode.NOT_PENDING, "booking_id")
    now = clock.now()
    status = BookingStatus.CONFIRMED if approve else BookingStatus.DECLINED
    slot: Slot = booking.slot
    try:
        async with in_transaction() as conn:
            # Conditional on "still pending": a second click or a cancellation wins only once.
            changed = (
                await Booking.filter(id=booking.id, status=BookingStatus.PENDING)
                .using_db(conn)
                .update(
                    status=status,
                    decided_by_id=actor.user_id,
                    decided_at=now,
                    updated_at=now,
                    reason=reason,
                )
            )
            if not changed:
                raise Refused(DomainError.of(ErrorCode.NOT_PENDING, "booking_id"))
            if not approve:
                await release_place(conn, booking.slot_id, now)
            self_found = booking.origin == BookingOrigin.SELF_FOUND
            if self_found:  # answered on the employer's pages: the e-mailed link is spent
                await (
                    BookingLink.filter(booking_id=booking.id, used_at__isnull=True)
                    .using_db(conn)
                    .update(used_at=now)
                )
            # The row as the UPDATE left it, without reading it again.
            booking.status, booking.reason = status, reason
            booking.decided_by_id, booking.decided_at, booking.updated_at = actor.user_id, now, now
            if not approve:
                slot.taken = max(slot.taken - 1, 0)
            # Its messages go to the pupil, her accounts, her guardians and the employer's
            # contact, as expand_events finds them.
            event = await outbox.record_event(
                kind=("self_found_confirmed" if self_found else "booking_approved")
                if approve
                else "booking_declined",
                booking=booking,
                slot=slot,
                connection=conn,
            )
            await audit.record(
                actor, "approve" if approve else "decline", "booking", connection=conn,
                booking_id=booking.id,
            )  # fmt: skip
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event.id])
    return Outcome(value=booking)


async def flag_stale_pending(now: datetime, days: int) -> int:
    """Stamp pending bookings older than `days` so the coordinator sees them; returns how many."""
    return await Booking.filter(
        status=BookingStatus.PENDING,
        flagged_at__isnull=True,
        created_at__lt=now - timedelta(days=days),
    ).update(flagged_at=now)


@dataclass(frozen=True)
class FlaggedBooking:
    booking: Booking  # with pupil and slot__employer fetched
    pupil_name: str
    waiting_days: int


FLAGGED_LIMIT = 50


async def flagged_pending(
    actor: Actor, days: int, now: datetime | None = None
) -> list[FlaggedBooking]:
    """The coordinator's pending bookings waiting too long, oldest first; the read is audited.
    Old enough counts even before the cron has stamped it (no workers in the embedded mode)."""
    if not actor.is_school_staff or actor.is_token:
        return []
    now = now or clock.now()
    stale = Q(flagged_at__isnull=False) | Q(created_at__lt=now - timedelta(days=days))
    rows = (
        await policy.bookings(actor)
        .filter(stale, status=BookingStatus.PENDING)
        .select_related("pupil", "slot__employer")
        .order_by("created_at", "id")
        .limit(FLAGGED_LIMIT)
    )
    views = await policy.pupil_views(
        actor, [b.pupil for b in rows], purpose="web:oversikt:flaggade"
    )
    return [
        FlaggedBooking(b, view.name, (now - b.created_at).days)
        for b, view in zip(rows, views, strict=True)
    ]
