"""First-come booking and cancellation, with capacity enforced atomically in the database."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from prao import clock, outbox, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingOrigin,
    BookingStatus,
    Employer,
    EmployerStatus,
    Period,
    PeriodMode,
    Pupil,
    School,
    Slot,
    SlotStatus,
    SlotVisibility,
)
from prao.services.booking_facts import BookingFacts, booking_facts
from prao.sql import as_inserted
from prao.validation import character_errors, clean_text, valid_id

MAX_REASON_LENGTH = 1000
SLOT_NOT_FOUND = "Platsen finns inte."


def _chosen_pupil(actor: Actor, pupil_id: int | None) -> int | DomainError:
    """Whom the actor books for, before any lookup: a pupil herself, staff the pupil named.
    An id that cannot exist answers 0, which no pupil has: NOT_FOUND, as for another's."""
    if actor.is_pupil:
        if pupil_id is not None and pupil_id != actor.pupil_id:
            return DomainError.of(ErrorCode.FORBIDDEN, "pupil_id")
        pupil_id = actor.pupil_id
    elif not actor.is_school_staff:
        return DomainError.of(ErrorCode.FORBIDDEN)
    elif pupil_id is None:
        return DomainError.of(ErrorCode.INVALID, "pupil_id", "Ange vilken elev som ska bokas.")
    return pupil_id if pupil_id is not None and valid_id(pupil_id) else 0


def _fetched(instance: Model, relation: str) -> Any:
    """A related object already loaded by select_related, else None (never a query)."""
    return instance.__dict__.get(f"_{relation}")


async def is_listed_for(slot: Slot, school: School) -> bool:
    """Within the organiser: open to all its schools, or listed for this one."""
    if slot.visible_to_all:
        return True
    return await SlotVisibility.exists(slot_id=slot.id, school_id=school.id)


async def _choose_period(
    pupil: Pupil, slot: Slot, now: datetime, periods: list[Period] | None = None
) -> Period | DomainError:
    if periods is None:
        periods = await Period.filter(
            school_id=pupil.school_id, year_group=pupil.year_group, mode=PeriodMode.FIRST_COME
        ).order_by("start_date", "id")
    overlapping = [
        p for p in periods if p.start_date <= slot.end_date and slot.start_date <= p.end_date
    ]
    if periods and not overlapping:
        return DomainError.of(ErrorCode.DATES_DO_NOT_MATCH, "slot_id")
    for period in overlapping:
        if period.booking_opens_at <= now < period.booking_closes_at:
            return period
    return DomainError.of(ErrorCode.BOOKING_CLOSED, "slot_id")


async def check_booking(pupil: Pupil, slot: Slot, now: datetime) -> Period | DomainError:
    """Every rule that can be checked before reserving a place, in the order a pupil cares.
    A pupil read by booking_facts with this slot carries the answers: no query then."""
    facts: BookingFacts | None = _fetched(pupil, "booking_facts")
    if facts is not None and facts.slot is not slot:
        facts = None
    # Callers may have fetched these with the pupil and the slot already.
    school = _fetched(pupil, "school") or await School.get(id=pupil.school_id)
    employer = _fetched(slot, "employer") or await Employer.get(id=slot.employer_id)
    # Another organiser's slots, an employer's drafts and the slots of an employer not (yet)
    # approved do not exist as far as a school knows.
    if (
        employer.organiser_id != school.organiser_id
        or slot.status == SlotStatus.DRAFT
        or employer.status != EmployerStatus.APPROVED
    ):
        return DomainError.of(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    listed = (
        slot.visible_to_all or facts.listed
        if facts is not None
        else await is_listed_for(slot, school)
    )
    if not listed:
        return DomainError.of(ErrorCode.NOT_VISIBLE, "slot_id")
    if slot.status != SlotStatus.PUBLISHED:
        return DomainError.of(ErrorCode.NOT_PUBLISHED, "slot_id")
    period = await _choose_period(pupil, slot, now, facts.periods if facts else None)
    if isinstance(period, DomainError):
        return period
    if pupil.age_on(slot.start_date) < slot.min_age:
        return DomainError.of(
            ErrorCode.TOO_YOUNG, "slot_id", f"Platsen kräver att du har fyllt {slot.min_age} år."
        )
    if (
        period.id in facts.active_period_ids
        if facts is not None
        else await Booking.exists(
            pupil_id=pupil.id, period_id=period.id, status__in=list(ACTIVE_BOOKING_STATUSES)
        )
    ):
        return DomainError.of(ErrorCode.ALREADY_BOOKED, "slot_id")
    if slot.taken >= slot.capacity:
        return DomainError.of(ErrorCode.SLOT_FULL, "slot_id")
    return period


def _origin(actor: Actor) -> BookingOrigin:
    if actor.is_token:
        return BookingOrigin.API
    return BookingOrigin.PUPIL if actor.is_pupil else BookingOrigin.STAFF


async def create_active_booking(
    conn: BaseDBAsyncClient,
    *,
    pupil: Pupil,
    slot: Slot,
    period: Period,
    status: BookingStatus,
    origin: BookingOrigin,
    created_by_id: int | None,
    now: datetime,
    pupil_field: str = "slot_id",
) -> tuple[Booking, int]:
    """Insert an active booking, its outbox event, and reserve the place, inside the caller's
    transaction; raises Refused (rolling it back) when the pupil is booked or the slot full.
    Answers the booking and the event's id, which the caller hands to jobs.expand after the
    commit."""
    if conn.capabilities.dialect == "postgres":
        return await _create_in_one_statement(
            conn,
            pupil=pupil,
            slot=slot,
            period=period,
            status=status,
            origin=origin,
            created_by_id=created_by_id,
            pupil_field=pupil_field,
        )
    try:
        booking = await Booking.create(
            pupil_id=pupil.id,
            slot_id=slot.id,
            period_id=period.id,
            status=status,
            origin=origin,
            created_by_id=created_by_id,
            using_db=conn,
        )
    except IntegrityError as exc:  # the partial unique index: one active per period
        raise Refused(DomainError.of(ErrorCode.ALREADY_BOOKED, pupil_field)) from exc
    slot.taken += 1
    event = await outbox.record_event(
        kind="booking_created", booking=booking, slot=slot, connection=conn
    )
    # The place is reserved by one conditional UPDATE (no read-check-write race), last,
    # so the slot's row lock is held only until the commit right after it.
    reserved = (
        await Slot.filter(id=slot.id, status=SlotStatus.PUBLISHED, taken__lt=F("capacity"))
        .using_db(conn)
        .update(taken=F("taken") + 1, updated_at=clock.now())
    )
    if not reserved:
        raise Refused(DomainError.of(ErrorCode.SLOT_FULL, "slot_id"))
    return booking, event.id


# The place, the booking and its event in one statement: atomic on its own, and the slot's row
# lock is held for no longer than the statement. No reserved place, no booking and no event.
CREATE_BOOKING_SQL = """
WITH reserved AS (
    UPDATE slot SET taken = taken + 1, updated_at = $1
    WHERE id = $2 AND status = $3 AND taken < capacity
    RETURNING id
), booked AS (
    INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, created_by_id, reason,
                         created_at, updated_at)
    SELECT $4, reserved.id, $5, $6, $7, $8, '', $1, $1 FROM reserved
    RETURNING id
), recorded AS (
    INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
    SELECT 'booking_created', booked.id, $9::jsonb, $1 FROM booked
    RETURNING id
)
SELECT booked.id AS booking_id, recorded.id AS event_id FROM booked, recorded
"""


async def _create_in_one_statement(
    conn: BaseDBAsyncClient,
    *,
    pupil: Pupil,
    slot: Slot,
    period: Period,
    status: BookingStatus,
    origin: BookingOrigin,
    created_by_id: int | None,
    pupil_field: str,
) -> tuple[Booking, int]:
    now = clock.now()
    booking = as_inserted(
        Booking,
        {
            "pupil_id": pupil.id,
            "slot_id": slot.id,
            "period_id": period.id,
            "status": status,
            "origin": origin,
            "created_by_id": created_by_id,
            "reason": "",
            "created_at": now,
            "updated_at": now,
        },
    )
    snapshot = outbox.event_snapshot(booking, slot)
    values = [
        now,
        slot.id,
        SlotStatus.PUBLISHED.value,
        pupil.id,
        period.id,
        status.value,
        origin.value,
        created_by_id,
        outbox.snapshot_json(snapshot),
    ]
    try:
        _, rows = await conn.execute_query(CREATE_BOOKING_SQL, values)
    except IntegrityError as exc:  # the partial unique index: one active per period
        raise Refused(DomainError.of(ErrorCode.ALREADY_BOOKED, pupil_field)) from exc
    if not rows:  # no place was left (or the slot closed) since the checks
        raise Refused(DomainError.of(ErrorCode.SLOT_FULL, "slot_id"))
    booking.id = int(rows[0]["booking_id"])
    slot.taken += 1
    return booking, int(rows[0]["event_id"])


async def release_place(conn: BaseDBAsyncClient, slot_id: int, now: datetime) -> None:
    """Give back the place of a booking that stopped being active, in the caller's transaction."""
    await (
        Slot.filter(id=slot_id, taken__gt=0)
        .using_db(conn)
        .update(taken=F("taken") - 1, updated_at=clock.now())
    )


async def book_slot(actor: Actor, slot_id: int, pupil_id: int | None = None) -> Outcome[Booking]:
    if refusal := policy.lacks_write(actor, "slot_id"):
        return Outcome(errors=[refusal])
    chosen = _chosen_pupil(actor, pupil_id)
    if isinstance(chosen, DomainError):
        return Outcome(errors=[chosen])
    # The pupil, the slot and everything the rules ask about them, in one statement.
    connection = connections.get("default")
    facts = await booking_facts(connection, actor, chosen, slot_id if valid_id(slot_id) else 0)
    pupil = facts.pupil
    if pupil is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "pupil_id", "Eleven finns inte.")
    slot = facts.slot
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    now = clock.now()
    pupil._booking_facts = facts  # read by check_booking, as a prefetched relation
    period = await check_booking(pupil, slot, now)
    # The facts refer to the pupil: unlinked, both are freed when the request ends, not by
    # the garbage collector.
    vars(pupil).pop("_booking_facts", None)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    status = BookingStatus.PENDING if slot.requires_approval else BookingStatus.CONFIRMED
    write = partial(
        create_active_booking,
        pupil=pupil,
        slot=slot,
        period=period,
        status=status,
        origin=_origin(actor),
        created_by_id=actor.user_id,
        now=now,
    )
    try:
        if connection.capabilities.dialect == "postgres":
            booking, event_id = await write(connection)  # one statement: atomic without BEGIN
        else:
            async with in_transaction() as conn:
                booking, event_id = await write(conn)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event_id])
    return Outcome(value=booking)


def cancel_refusal(
    actor: Actor, booking: Booking, period: Period, now: datetime
) -> DomainError | None:
    """Why this booking cannot be cancelled now, or None. Pages ask it in advance."""
    if booking.status not in ACTIVE_BOOKING_STATUSES:
        return DomainError.of(ErrorCode.NOT_ACTIVE, "booking_id")
    # Coordinators handle late cancellations themselves; pupils are held to the deadline.
    if actor.is_pupil and now >= period.cancel_deadline:
        return DomainError.of(ErrorCode.CANCEL_DEADLINE_PASSED, "booking_id")
    return None


async def cancel_booking(actor: Actor, booking_id: int, reason: str = "") -> Outcome[Booking]:
    if refusal := policy.lacks_write(actor, "booking_id"):
        return Outcome(errors=[refusal])
    if bad_text := character_errors({"reason": reason}):
        return Outcome(errors=bad_text)
    reason = clean_text(reason)
    if len(reason) > MAX_REASON_LENGTH:
        return Outcome.fail(
            ErrorCode.INVALID, "reason", "Anledningen är för lång (högst 1000 tecken)."
        )
    if not (actor.is_pupil or actor.is_school_staff):
        return Outcome.fail(ErrorCode.FORBIDDEN, "booking_id")
    booking = (
        # With its period and slot: the rules and the event need them, in the same statement.
        await policy.bookings(actor).select_related("period", "slot").get_or_none(id=booking_id)
        if valid_id(booking_id)
        else None
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id", "Bokningen finns inte.")
    now = clock.now()
    refusal = cancel_refusal(actor, booking, booking.period, now)
    if refusal is not None:
        return Outcome(errors=[refusal])
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        return await _cancel_in_one_statement(connection, actor, booking, reason, now)
    try:
        async with in_transaction() as conn:
            changed = (
                await Booking.filter(id=booking.id, status__in=list(ACTIVE_BOOKING_STATUSES))
                .using_db(conn)
                .update(
                    status=BookingStatus.CANCELLED,
                    cancelled_at=now,
                    updated_at=clock.now(),
                    reason=reason,
                    decided_by_id=actor.user_id,
                )
            )
            if not changed:  # someone else cancelled it a moment ago
                raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "booking_id"))
            await release_place(conn, booking.slot_id, now)
            booking = await Booking.get(id=booking.id, using_db=conn)
            slot = await Slot.get(id=booking.slot_id, using_db=conn)
            event = await outbox.record_event(
                kind="booking_cancelled", booking=booking, slot=slot, connection=conn
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event.id])
    return Outcome(value=booking)


# The booking cancelled, its place given back and its event written, in one statement; a
# booking no longer active (cancelled a moment ago) changes nothing and writes no event.
CANCEL_BOOKING_SQL = """
WITH cancelled AS (
    UPDATE booking SET status = $1, cancelled_at = $2, updated_at = $2, reason = $3,
                       decided_by_id = $4
    WHERE id = $5 AND status IN ($6, $7)
    RETURNING id, slot_id
), released AS (
    UPDATE slot SET taken = taken - 1, updated_at = $2
    FROM cancelled WHERE slot.id = cancelled.slot_id AND slot.taken > 0
    RETURNING slot.id
), recorded AS (
    INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
    SELECT 'booking_cancelled', cancelled.id, $8::jsonb, $2 FROM cancelled
    RETURNING id
)
SELECT recorded.id AS event_id FROM recorded
"""


async def _cancel_in_one_statement(
    conn: BaseDBAsyncClient, actor: Actor, booking: Booking, reason: str, now: datetime
) -> Outcome[Booking]:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.updated_at = now
    booking.reason = reason
    booking.decided_by_id = actor.user_id
    slot: Slot = booking.slot
    snapshot = outbox.event_snapshot(booking, slot)
    _, rows = await conn.execute_query(
        CANCEL_BOOKING_SQL,
        [
            BookingStatus.CANCELLED.value,
            now,
            reason,
            actor.user_id,
            booking.id,
            ACTIVE_BOOKING_STATUSES[0].value,
            ACTIVE_BOOKING_STATUSES[1].value,
            outbox.snapshot_json(snapshot),
        ],
    )
    if not rows:  # someone else cancelled it a moment ago
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "booking_id")
    slot.taken = max(slot.taken - 1, 0)
    await jobs.expand([int(rows[0]["event_id"])])
    return Outcome(value=booking)
