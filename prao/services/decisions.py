"""An employer's decision on a pending booking, and pending bookings left waiting too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
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
    self_found = booking.origin == BookingOrigin.SELF_FOUND
    # The row as the UPDATE leaves it, without reading it again.
    booking.status, booking.reason = status, reason
    booking.decided_by_id, booking.decided_at, booking.updated_at = actor.user_id, now, now
    connection = connections.get("default")
    write = (
        _decide_in_one_statement
        if connection.capabilities.dialect == "postgres"
        else _decide_in_transaction
    )
    event_id = await write(
        connection, actor, booking, slot, release=not approve, spend_link=self_found
    )
    if event_id is None:  # a second click or a cancellation won a moment ago
        return Outcome.fail(ErrorCode.NOT_PENDING, "booking_id")
    if not approve:
        slot.taken = max(slot.taken - 1, 0)
    await jobs.expand([event_id])
    return Outcome(value=booking)


async def _decide_in_transaction(
    _conn: BaseDBAsyncClient,
    actor: Actor,
    booking: Booking,
    slot: Slot,
    *,
    release: bool,
    spend_link: bool,
) -> int | None:
    """SQLite's form of DECIDE_BOOKING_SQL: the same writes, one by one in a transaction."""
    now = booking.updated_at
    try:
        async with in_transaction() as conn:
            # Conditional on "still pending": a second click or a cancellation wins only once.
            changed = (
                await Booking.filter(id=booking.id, status=BookingStatus.PENDING)
                .using_db(conn)
                .update(
                    status=booking.status,
                    decided_by_id=actor.user_id,
                    decided_at=now,
                    updated_at=now,
                    reason=booking.reason,
                )
            )
            if not changed:
                raise Refused(DomainError.of(ErrorCode.NOT_PENDING, "booking_id"))
            if release:
                await release_place(conn, booking.slot_id, now)
            if spend_link:  # answered on the employer's pages: the e-mailed link is spent
                await (
                    BookingLink.filter(booking_id=booking.id, used_at__isnull=True)
                    .using_db(conn)
                    .update(used_at=now)
                )
            # Its messages go to the pupil, her accounts, her guardians and the employer's
            # contact, as expand_events finds them.
            event = await outbox.record_event(
                kind=("self_found_confirmed" if spend_link else "booking_approved")
                if not release
                else "booking_declined",
                booking=booking,
                slot=slot,
                connection=conn,
            )
            await audit.record(
                actor, "decline" if release else "approve", "booking", connection=conn,
                booking_id=booking.id,
            )  # fmt: skip
    except Refused:
        return None
    return event.id


# The decision, the place given back (a decline), the e-mailed link spent (a self-found
# request answered here), its event and its audit row, in one statement. Conditional on
# "still pending": a booking decided or cancelled a moment ago changes nothing, writes nothing.
DECIDE_BOOKING_SQL = f"""
WITH decided AS (
    UPDATE booking SET status = $1, decided_by_id = $2, decided_at = $3, updated_at = $3,
                       reason = $4
    WHERE id = $5 AND status = $6
    RETURNING id, slot_id
), released AS (
    UPDATE slot SET taken = taken - 1, updated_at = $3
    FROM decided WHERE $7::boolean AND slot.id = decided.slot_id AND slot.taken > 0
    RETURNING slot.id
), spent AS (
    UPDATE booking_link SET used_at = $3
    FROM decided WHERE $8::boolean AND booking_link.booking_id = decided.id
      AND booking_link.used_at IS NULL
    RETURNING booking_link.id
), recorded AS (
    INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
    SELECT $9, decided.id, $10::jsonb, $3 FROM decided
    RETURNING id
), audited AS (
    INSERT INTO audit_event ({audit.COLUMNS})
    SELECT $11, $12, $13, $14, $15, $16::jsonb, $17, $3 FROM decided
    RETURNING id
)
SELECT recorded.id AS event_id FROM recorded
"""


async def _decide_in_one_statement(
    conn: BaseDBAsyncClient,
    actor: Actor,
    booking: Booking,
    slot: Slot,
    *,
    release: bool,
    spend_link: bool,
) -> int | None:
    """The event's id, or None when the booking was no longer pending."""
    action = "decline" if release else "approve"
    # As _decide_in_transaction names its event's kind (written out there, where the outbox
    # test of every kind reads it).
    approved = "self_found_confirmed" if spend_link else "booking_approved"
    kind = "booking_declined" if release else approved
    _, rows = await conn.execute_query(
        DECIDE_BOOKING_SQL,
        [
            booking.status.value,
            actor.user_id,
            booking.updated_at,
            booking.reason,
            booking.id,
            BookingStatus.PENDING.value,
            release,
            spend_link,
            kind,
            outbox.snapshot_json(outbox.event_snapshot(booking, slot)),
            *audit.fields(actor, action, "booking", booking_id=booking.id),
        ],
    )
    return int(rows[0]["event_id"]) if rows else None


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
