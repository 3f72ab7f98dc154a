"""A coordinator places or moves a pupil by hand, and reminds the unplaced (who they are is
prao.services.period_overview). Capacity is enforced the same way as in prao.services.booking."""

from __future__ import annotations

from datetime import datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, clock, notices, outbox, policy, throttle
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
    OutboxMessage,
    Period,
    Pupil,
    School,
    Slot,
    SlotStatus,
    User,
)
from prao.services.booking import (
    SLOT_NOT_FOUND,
    create_active_booking,
    is_listed_for,
    release_place,
)
from prao.services.period_overview import period_overview
from prao.services.periods import may_plan
from prao.services.placement_facts import placement_facts
from prao.validation import valid_id
from prao.wording import datum


async def slot_refusal(
    pupil: Pupil, school: School, period: Period, slot: Slot, listed: bool | None = None
) -> DomainError | None:
    """Why this pupil may not take (or wish for) this slot in this period, or None. A slot read
    with its employer, and `listed` when the caller read it too, cost no query."""
    employer = slot.__dict__.get("_employer") or await Employer.get(id=slot.employer_id)
    if (
        employer.organiser_id != school.organiser_id
        or slot.status == SlotStatus.DRAFT
        or employer.status != EmployerStatus.APPROVED  # not vetted: reaches no pupil
    ):
        return DomainError.of(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    if listed is None:
        listed = await is_listed_for(slot, school)
    if not (slot.visible_to_all or listed):
        return DomainError.of(ErrorCode.NOT_VISIBLE, "slot_id")
    if slot.status != SlotStatus.PUBLISHED:
        return DomainError.of(ErrorCode.NOT_PUBLISHED, "slot_id")
    if not (period.start_date <= slot.end_date and slot.start_date <= period.end_date):
        return DomainError.of(ErrorCode.DATES_DO_NOT_MATCH, "slot_id")
    if pupil.age_on(slot.start_date) < slot.min_age:
        return DomainError.of(
            ErrorCode.TOO_YOUNG,
            "slot_id",
            f"Platsen kräver att eleven har fyllt {slot.min_age} år.",
        )
    return None


async def place_pupil(
    actor: Actor, period_id: int, pupil_id: int, slot_id: int
) -> Outcome[Booking]:
    """Place a pupil, or move her from her current placement, in one transaction: if the new
    slot has no place left, the old booking stays as it was."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not may_plan(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    # The period, the pupil, the slot and what the rules ask about them, in one statement.
    connection = connections.get("default")
    facts = await placement_facts(
        connection,
        actor,
        period_id if valid_id(period_id) else 0,
        pupil_id if valid_id(pupil_id) else 0,
        slot_id if valid_id(slot_id) else 0,
    )
    period, pupil, school, slot = facts.period, facts.pupil, facts.school, facts.slot
    if period is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id", "Perioden finns inte.")
    if pupil is None or school is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "pupil_id", "Eleven finns inte i perioden.")
    # As policy.slots: staff of one school find only the slots listed for it.
    if slot is None or facts.school_scoped and not (slot.visible_to_all or facts.listed):
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    refusal = await slot_refusal(pupil, school, period, slot, facts.listed)
    if refusal is not None:
        return Outcome(errors=[refusal])
    current = facts.current
    if current is not None and current[1] == slot.id:
        return Outcome.fail(ErrorCode.ALREADY_BOOKED, "slot_id", "Eleven har redan den platsen.")
    if slot.taken >= slot.capacity:
        return Outcome.fail(ErrorCode.SLOT_FULL, "slot_id")
    now = clock.now()
    status = BookingStatus.PENDING if slot.requires_approval else BookingStatus.CONFIRMED
    write = (
        _place_in_one_statement
        if connection.capabilities.dialect == "postgres"
        else _place_in_transaction
    )
    try:
        booking, event_id = await write(actor, pupil, slot, period, status, current, now)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event_id])
    return Outcome(value=booking)


MOVED_REASON = "Flyttad av SYV."


async def _place_in_transaction(
    actor: Actor,
    pupil: Pupil,
    slot: Slot,
    period: Period,
    status: BookingStatus,
    current: tuple[int, int] | None,
    now: datetime,
) -> tuple[Booking, int]:
    """SQLite's form of PLACE_PUPIL_SQL: the same writes, one by one in a transaction."""
    async with in_transaction() as conn:
        if current is not None:
            moved = (
                await Booking.filter(id=current[0], status__in=list(ACTIVE_BOOKING_STATUSES))
                .using_db(conn)
                .update(
                    status=BookingStatus.CANCELLED,
                    cancelled_at=now,
                    updated_at=clock.now(),
                    reason=MOVED_REASON,
                    decided_by_id=actor.user_id,
                )
            )
            if not moved:  # changed a moment ago: let her look again
                raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "pupil_id"))
            await release_place(conn, current[1], now)
        booking, event_id = await create_active_booking(
            conn,
            pupil=pupil,
            slot=slot,
            period=period,
            status=status,
            origin=BookingOrigin.STAFF,
            created_by_id=actor.user_id,
            now=now,
            pupil_field="pupil_id",
        )
        await audit.record(
            actor,
            "move" if current else "place",
            "booking",
            connection=conn,
            booking_id=booking.id,
            pupil_id=pupil.id,
        )
    return booking, event_id


# The old booking (if any) cancelled and its place given back, the new place reserved, the
# booking, its event and its audit row written, in one statement: all of it or nothing. The
# old booking is locked first and its state checked, then both slots in id order (as a
# cancellation or a decision locks the booking, then its slot), so that two moves in opposite
# directions queue instead of deadlocking; the new place is reserved only while the old
# booking is still active, and it is cancelled only once the place is reserved. The booking
# is inserted after the cancellation (the partial unique index: one active per period).
PLACE_PUPIL_SQL = f"""
WITH old AS (
    SELECT id, slot_id FROM booking
    WHERE id = $1 AND status IN ($2, $3)
    FOR UPDATE
), locked AS (
    SELECT id FROM slot WHERE id IN ($5, (SELECT slot_id FROM old)) ORDER BY id FOR UPDATE
), reserved AS (
    UPDATE slot SET taken = taken + 1, updated_at = $4
    WHERE id = $5 AND status = $6 AND taken < capacity
      AND ($1::bigint IS NULL OR EXISTS (SELECT 1 FROM old)) AND EXISTS (SELECT 1 FROM locked)
    RETURNING id
), moved AS (
    UPDATE booking SET status = $7, cancelled_at = $4, updated_at = $4, reason = $8,
                       decided_by_id = $9
    FROM old, reserved WHERE booking.id = old.id
    RETURNING booking.id, booking.slot_id
), released AS (
    UPDATE slot SET taken = taken - 1, updated_at = $4
    FROM moved WHERE slot.id = moved.slot_id AND slot.taken > 0
    RETURNING slot.id
), booked AS (
    INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, created_by_id, reason,
                         created_at, updated_at)
    SELECT $10, reserved.id, $11, $12, $13, $9, '', $4, $4 FROM reserved
    WHERE $1::bigint IS NULL OR EXISTS (SELECT 1 FROM moved)
    RETURNING id
), recorded AS (
    INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
    SELECT 'booking_created', booked.id, $14::jsonb, $4 FROM booked
    RETURNING id
), audited AS (
    INSERT INTO audit_event ({audit.COLUMNS})
    SELECT $15, $16, $17, $18, $19, $20::jsonb || jsonb_build_object('booking_id', booked.id),
           $21, $4
    FROM booked
    RETURNING id
)
SELECT (SELECT count(*) FROM old) AS active, (SELECT id FROM booked) AS booking_id,
       (SELECT id FROM recorded) AS event_id
"""


async def _place_in_one_statement(
    actor: Actor,
    pupil: Pupil,
    slot: Slot,
    period: Period,
    status: BookingStatus,
    current: tuple[int, int] | None,
    now: datetime,
) -> tuple[Booking, int]:
    booking = Booking(
        pupil_id=pupil.id,
        slot_id=slot.id,
        period_id=period.id,
        status=status,
        origin=BookingOrigin.STAFF,
        created_by_id=actor.user_id,
        reason="",
        created_at=now,
        updated_at=now,
    )
    action = "move" if current else "place"
    values = [
        current[0] if current else None,
        ACTIVE_BOOKING_STATUSES[0].value,
        ACTIVE_BOOKING_STATUSES[1].value,
        now,
        slot.id,
        SlotStatus.PUBLISHED.value,
        BookingStatus.CANCELLED.value,
        MOVED_REASON,
        actor.user_id,
        pupil.id,
        period.id,
        status.value,
        BookingOrigin.STAFF.value,
        outbox.snapshot_json(outbox.event_snapshot(booking, slot)),
        *audit.fields(actor, action, "booking", pupil_id=pupil.id),
    ]
    try:
        _, rows = await connections.get("default").execute_query(PLACE_PUPIL_SQL, values)
    except IntegrityError as exc:  # the partial unique index: one active per period
        raise Refused(DomainError.of(ErrorCode.ALREADY_BOOKED, "pupil_id")) from exc
    row = rows[0]
    if current is not None and not row["active"]:  # changed a moment ago: let her look again
        raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "pupil_id"))
    if row["booking_id"] is None:  # no place was left (or the slot closed) since the checks
        raise Refused(DomainError.of(ErrorCode.SLOT_FULL, "slot_id"))
    booking.id = int(row["booking_id"])
    booking._saved_in_db = True
    slot.taken += 1
    return booking, int(row["event_id"])


async def place_pupil_at(actor: Actor, pupil_id: int, slot_id: int) -> Outcome[Booking]:
    """Place or move a pupil naming only her and the slot: the period is her school's period
    for her year group that the slot's dates overlap (the earliest, should there be several)."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not may_plan(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    pupil = await policy.pupils(actor).get_or_none(id=pupil_id) if valid_id(pupil_id) else None
    if pupil is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "pupil_id", "Eleven finns inte.")
    slot = await policy.slots(actor).get_or_none(id=slot_id) if valid_id(slot_id) else None
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    period = (
        await policy.periods(actor)
        .filter(
            school_id=pupil.school_id,
            year_group=pupil.year_group,
            start_date__lte=slot.end_date,
            end_date__gte=slot.start_date,
        )
        .order_by("start_date", "id")
        .first()
    )
    if period is None:
        return Outcome.fail(ErrorCode.DATES_DO_NOT_MATCH, "slot_id")
    return await place_pupil(actor, period.id, pupil.id, slot.id)


async def reminder_addresses(pupils: list[Pupil]) -> dict[int, str]:
    """Where each pupil can be reached: her own address, else her sign-in account's."""
    accounts: dict[int, str] = {}
    for user in await User.filter(pupil_id__in=[p.id for p in pupils] or [0]).order_by("id"):
        if user.pupil_id is not None:
            accounts.setdefault(user.pupil_id, user.email)
    return {p.id: address for p in pupils if (address := p.email or accounts.get(p.id))}


ALREADY_REMINDED = "Eleverna utan plats har redan fått en påminnelse i dag. Försök igen i morgon."


async def remind_unplaced(actor: Actor, period_id: int) -> Outcome[int]:
    """One outbox message per unplaced pupil with an e-mail address who has not had one in the
    last day; returns how many. Refused when every one of them has had one."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    found = await period_overview(actor, period_id)
    if not found.ok or found.value is None:
        return Outcome(errors=found.errors)
    period = found.value.period
    unplaced = [line.pupil for line in found.value.unplaced]
    addresses = await reminder_addresses(unplaced)
    closes = datum(period.booking_closes_at)
    reachable = [p for p in unplaced if p.id in addresses]
    messages: list[OutboxMessage] = []
    async with in_transaction() as conn:
        for p in sorted(reachable, key=lambda p: p.id):  # locks in key order
            # Once a day per pupil, however often (or with how many aliases) it is asked for.
            if not await throttle.allow(
                throttle.rule("unplaced-reminder:pupil", p.id, 1, throttle.DAY), connection=conn
            ):
                continue
            messages.append(
                await notices.unplaced_reminder(
                    email=addresses[p.id],
                    first_name=p.first_name,
                    period_name=period.name,
                    closes=closes,
                    connection=conn,
                )
            )
        if messages:
            await audit.record(
                actor, "remind", "pupil", len(messages), connection=conn, period_id=period.id
            )
    if reachable and not messages:
        return Outcome.fail(ErrorCode.TOO_MANY_REQUESTS, None, ALREADY_REMINDED)
    await jobs.deliver([m.id for m in messages])
    return Outcome(value=len(messages))
