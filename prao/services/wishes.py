"""A pupil's ranked wishes in an allocation period: the list is replaced whole, atomically, and
ranks are always 1..k without gaps. Every change goes through submit_wishes, so every rule holds
for adding, moving and removing alike."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from prao import clock, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import (
    AllocationRun,
    AllocationStatus,
    Period,
    PeriodMode,
    Pupil,
    School,
    Slot,
    Wish,
)
from prao.services.placement import slot_refusal
from prao.validation import valid_id
from prao.wording import datum

MAX_INPUT = 100  # no period allows more wishes; longer lists are refused before any query


@dataclass(frozen=True)
class WishList:
    period: Period
    wishes: list[Wish]  # by rank, with slot and slot.employer fetched
    open_now: bool
    allocated: bool = False  # the period's allocation is applied: the wishes are history

    @property
    def full(self) -> bool:
        return len(self.wishes) >= self.period.max_wishes

    @property
    def slot_ids(self) -> list[int]:
        return [w.slot_id for w in self.wishes]


async def _pupil(actor: Actor) -> Pupil | None:
    if not actor.is_pupil or actor.pupil_id is None:
        return None
    return await policy.pupils(actor).get_or_none(id=actor.pupil_id)


async def allocation_period(actor: Actor) -> Period | None:
    """The pupil's allocation period: the one open now, else the next one, else the latest."""
    pupil = await _pupil(actor)
    if pupil is None:
        return None
    periods = await Period.filter(
        school_id=pupil.school_id, year_group=pupil.year_group, mode=PeriodMode.ALLOCATION
    ).order_by("booking_opens_at", "id")
    return choose_allocation_period(periods)


def choose_allocation_period(periods: list[Period]) -> Period | None:
    """Of a pupil's allocation periods, ordered by opening and id: the one open now, else the
    next one, else the latest."""
    now = clock.now()
    for period in periods:
        if period.booking_opens_at <= now < period.booking_closes_at:
            return period
    upcoming = [p for p in periods if p.booking_opens_at > now]
    return upcoming[0] if upcoming else (periods[-1] if periods else None)


async def _own_period(actor: Actor, pupil: Pupil, period_id: int) -> Period | DomainError:
    period = (
        await policy.periods(actor).get_or_none(
            id=period_id, year_group=pupil.year_group, school_id=pupil.school_id
        )
        if valid_id(period_id)
        else None
    )
    if period is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "period_id", "Praoperioden finns inte.")
    if period.mode != PeriodMode.ALLOCATION:
        return DomainError.of(
            ErrorCode.INVALID, "period_id", "I den här perioden bokar man platser direkt."
        )
    return period


def window_refusal(period: Period) -> DomainError | None:
    now = clock.now()
    if now < period.booking_opens_at:
        opens = datum(period.booking_opens_at)
        return DomainError.of(
            ErrorCode.BOOKING_CLOSED, "period_id", f"Du kan lämna önskemål från {opens}."
        )
    if now >= period.booking_closes_at:
        return DomainError.of(
            ErrorCode.BOOKING_CLOSED, "period_id", "Tiden för att lämna önskemål har gått ut."
        )
    return None


ALLOCATED = (
    "Fördelningen är gjord, så önskemålen kan inte ändras längre. Din plats finns under "
    "Mina bokningar."
)


async def allocated(period: Period) -> bool:
    return await AllocationRun.exists(period_id=period.id, status=AllocationStatus.APPLIED)


async def change_refusal(period: Period) -> DomainError | None:
    """Why her wishes cannot change now: outside the window, or once the allocation is applied
    (a change then would alter nothing but mislead her)."""
    if refusal := window_refusal(period):
        return refusal
    if await allocated(period):
        return DomainError.of(ErrorCode.BOOKING_CLOSED, "period_id", ALLOCATED)
    return None


async def wishing(period: Period) -> tuple[int, int]:
    """How many of the period's pupils have ranked wishes, and how many pupils it has: the
    coordinator weighs them before applying an allocation while the window is open. Counts
    only, no pupil's data."""
    pupils = await Pupil.filter(school_id=period.school_id, year_group=period.year_group).count()
    ranked = await Wish.filter(period_id=period.id, rank=1).count()
    return ranked, pupils


async def wish_list(actor: Actor, period: Period) -> list[Wish]:
    if actor.pupil_id is None:
        return []
    return (
        await Wish.filter(pupil_id=actor.pupil_id, period_id=period.id)
        .select_related("slot__employer")
        .order_by("rank")
    )


async def my_wishes(actor: Actor, period_id: int | None = None) -> Outcome[WishList]:
    pupil = await _pupil(actor)
    if pupil is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    period: Period | DomainError | None
    if period_id is None:
        period = await allocation_period(actor)
        if period is None:
            return Outcome.fail(
                ErrorCode.NOT_FOUND, "period_id", "Du har ingen period med önskemål."
            )
    else:
        period = await _own_period(actor, pupil, period_id)
        if isinstance(period, DomainError):
            return Outcome(errors=[period])
    wishes = await wish_list(actor, period)
    done = await allocated(period)
    return Outcome(
        value=WishList(period, wishes, window_refusal(period) is None and not done, done)
    )


async def submit_wishes(actor: Actor, period_id: int, slot_ids: list[int]) -> Outcome[WishList]:
    """Replace the pupil's whole list: first id is her first wish."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    pupil = await _pupil(actor)
    if pupil is None:
        return Outcome.fail(ErrorCode.FORBIDDEN, None, "Bara elever kan lämna önskemål.")
    period = await _own_period(actor, pupil, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    refusal = await change_refusal(period)
    if refusal is not None:
        return Outcome(errors=[refusal])
    if len(slot_ids) > min(period.max_wishes, MAX_INPUT):
        return Outcome.fail(
            ErrorCode.TOO_MANY_WISHES,
            "slot_ids",
            f"Du kan ha högst {period.max_wishes} önskemål.",
        )
    if len(set(slot_ids)) != len(slot_ids):
        return Outcome.fail(ErrorCode.DUPLICATE, "slot_ids", "Samma plats finns med två gånger.")
    errors = await _slot_errors(actor, pupil, period, slot_ids)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        await Wish.filter(pupil_id=pupil.id, period_id=period.id).using_db(conn).delete()
        for rank, slot_id in enumerate(slot_ids, start=1):
            await Wish.create(
                pupil_id=pupil.id, period_id=period.id, slot_id=slot_id, rank=rank, using_db=conn
            )
    return Outcome(value=WishList(period, await wish_list(actor, period), True))


async def _slot_errors(
    actor: Actor, pupil: Pupil, period: Period, slot_ids: list[int]
) -> list[DomainError]:
    school = await School.get(id=pupil.school_id)
    visible = {
        s.id: s
        for s in await policy.slots(actor).filter(id__in=[i for i in slot_ids if valid_id(i)])
    }
    errors = []
    for index, slot_id in enumerate(slot_ids):
        slot: Slot | None = visible.get(slot_id)
        error = (
            DomainError.of(ErrorCode.NOT_FOUND, "slot_ids", "Platsen finns inte.")
            if slot is None
            else await slot_refusal(pupil, school, period, slot)
        )
        if error is not None:
            title = f"Önskemål {index + 1}" + (f" ({slot.title})" if slot else "")
            errors.append(DomainError.of(error.code, "slot_ids", f"{title}: {error.message}"))
    return errors


async def _change(actor: Actor, period_id: int, change: str, slot_id: int) -> Outcome[WishList]:
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    current = await my_wishes(actor, period_id)
    if not current.ok or current.value is None:
        return current
    ids = current.value.slot_ids
    if change == "add":
        if slot_id in ids:
            return Outcome.fail(
                ErrorCode.DUPLICATE, "slot_id", "Platsen finns redan bland dina önskemål."
            )
        if current.value.full and window_refusal(current.value.period) is None:
            return Outcome.fail(ErrorCode.TOO_MANY_WISHES, "slot_id")
        ids = [*ids, slot_id]
    elif slot_id not in ids:
        return Outcome.fail(
            ErrorCode.NOT_FOUND, "slot_id", "Platsen finns inte bland dina önskemål."
        )
    elif change == "remove":
        ids = [i for i in ids if i != slot_id]
    else:
        at = ids.index(slot_id)
        to = at - 1 if change == "up" else at + 1
        if 0 <= to < len(ids):
            ids[at], ids[to] = ids[to], ids[at]
    return await submit_wishes(actor, period_id, ids)


async def add_wish(actor: Actor, period_id: int, slot_id: int) -> Outcome[WishList]:
    return await _change(actor, period_id, "add", slot_id)


async def remove_wish(actor: Actor, period_id: int, slot_id: int) -> Outcome[WishList]:
    return await _change(actor, period_id, "remove", slot_id)


async def move_wish(actor: Actor, period_id: int, slot_id: int, up: bool) -> Outcome[WishList]:
    return await _change(actor, period_id, "up" if up else "down", slot_id)


@dataclass(frozen=True)
class SlotWish:
    """What the slot page offers a pupil in an allocation period."""

    period: Period
    rank: int | None  # her rank for this slot, if she wished for it
    open_now: bool
    full: bool
    refusal: DomainError | None  # why she cannot wish for it, if she cannot


async def slot_wish(actor: Actor, slot: Slot) -> SlotWish | None:
    pupil = await _pupil(actor)
    period = await allocation_period(actor) if pupil else None
    if pupil is None or period is None:
        return None
    return await wish_for_slot(pupil, period, slot)


async def wish_for_slot(pupil: Pupil, period: Period, slot: Slot) -> SlotWish:
    """What the slot page offers her in her allocation period `period`."""
    wishes = await Wish.filter(pupil_id=pupil.id, period_id=period.id).values_list(
        "slot_id", "rank"
    )
    ranks = dict(wishes)
    refusal = await slot_refusal(pupil, await School.get(id=pupil.school_id), period, slot)
    return SlotWish(
        period=period,
        rank=ranks.get(slot.id),
        open_now=await change_refusal(period) is None,
        full=len(ranks) >= period.max_wishes,
        refusal=refusal,
    )
