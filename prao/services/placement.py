"""A coordinator places or moves a pupil by hand, and reminds the unplaced (who they are is
prao.services.period_overview). Capacity is enforced the same way as in prao.services.booking."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from prao import audit, clock, notices, policy, throttle
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
from prao.services.periods import managed_period, may_plan
from prao.validation import valid_id


async def slot_refusal(
    pupil: Pupil, school: School, period: Period, slot: Slot
) -> DomainError | None:
    """Why this pupil may not take (or wish for) this slot in this period, or None."""
    employer = await Employer.get(id=slot.employer_id)
    if (
        employer.organiser_id != school.organiser_id
        or slot.status == SlotStatus.DRAFT
        or employer.status != EmployerStatus.APPROVED  # not vetted: reaches no pupil
    ):
        return DomainError.of(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    if not await is_listed_for(slot, school):
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


async def _period_pupil(period: Period, pupil_id: int) -> Pupil | DomainError:
    pupil = (
        await Pupil.get_or_none(
            id=pupil_id, school_id=period.school_id, year_group=period.year_group
        )
        if valid_id(pupil_id)
        else None
    )
    if pupil is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "pupil_id", "Eleven finns inte i perioden.")
    return pupil


async def place_pupil(
    actor: Actor, period_id: int, pupil_id: int, slot_id: int
) -> Outcome[Booking]:
    """Place a pupil, or move her from her current placement, in one transaction: if the new
    slot has no place left, the old booking stays as it was."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    period = await managed_period(actor, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    pupil = await _period_pupil(period, pupil_id)
    if isinstance(pupil, DomainError):
        return Outcome(errors=[pupil])
    slot = await policy.slots(actor).get_or_none(id=slot_id) if valid_id(slot_id) else None
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    school = await School.get(id=pupil.school_id)
    refusal = await slot_refusal(pupil, school, period, slot)
    if refusal is not None:
        return Outcome(errors=[refusal])
    current = await Booking.filter(
        pupil_id=pupil.id, period_id=period.id, status__in=list(ACTIVE_BOOKING_STATUSES)
    ).first()
    if current is not None and current.slot_id == slot.id:
        return Outcome.fail(ErrorCode.ALREADY_BOOKED, "slot_id", "Eleven har redan den platsen.")
    if slot.taken >= slot.capacity:
        return Outcome.fail(ErrorCode.SLOT_FULL, "slot_id")
    now = clock.now()
    status = BookingStatus.PENDING if slot.requires_approval else BookingStatus.CONFIRMED
    try:
        async with in_transaction() as conn:
            if current is not None:
                moved = (
                    await Booking.filter(id=current.id, status__in=list(ACTIVE_BOOKING_STATUSES))
                    .using_db(conn)
                    .update(
                        status=BookingStatus.CANCELLED,
                        cancelled_at=now,
                        updated_at=clock.now(),
                        reason="Flyttad av SYV.",
                        decided_by_id=actor.user_id,
                    )
                )
                if not moved:  # changed a moment ago: let her look again
                    raise Refused(DomainError.of(ErrorCode.NOT_ACTIVE, "pupil_id"))
                await release_place(conn, current.slot_id, now)
            booking, event = await create_active_booking(
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
    except Refused as refused:
        return Outcome(errors=[refused.error])
    await jobs.expand([event.id])
    return Outcome(value=booking)


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
    closes = f"{clock.local(period.booking_closes_at):%Y-%m-%d %H:%M}"
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
