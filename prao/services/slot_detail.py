"""One slot as the catalogue shows it to an actor: the slot, her own booking of it, her wish for
it in an allocation period, and why she may not book it now. Every query goes through
prao.policy."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tortoise import connections
from tortoise.models import Model

from prao import clock, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Employer,
    Period,
    PeriodMode,
    Pupil,
    Slot,
)
from prao.policy import PUPIL_SLOT_SQL, PupilScope, pupil_scope, pupil_slot_values
from prao.services.booking import check_booking
from prao.services.wishes import SlotWish, choose_allocation_period, wish_for_slot
from prao.sql import columns, model_of, numbered
from prao.validation import valid_id


@dataclass(frozen=True)
class SlotDetail:
    slot: Slot  # with employer fetched
    booking: Booking | None  # her active booking of this slot
    wish: SlotWish | None  # what she may wish, in an allocation period
    refusal: DomainError | None  # why book_slot would refuse her now


async def own_pupil(actor: Actor) -> Pupil | None:
    if not actor.is_pupil or actor.pupil_id is None:
        return None
    return await policy.pupils(actor).get_or_none(id=actor.pupil_id)


async def booking_refusal(
    actor: Actor, slot: Slot, pupil: Pupil | None = None
) -> DomainError | None:
    """Why book_slot would refuse this pupil this slot now, or None if she may try; `pupil`
    when her own record (policy.pupils) is at hand."""
    if pupil is None:
        pupil = await own_pupil(actor)
    if pupil is None:
        return DomainError.of(ErrorCode.FORBIDDEN, "slot_id")
    checked = await check_booking(pupil, slot, clock.now())
    return checked if isinstance(checked, DomainError) else None


@dataclass(frozen=True)
class PupilFacts:
    slot: Slot | None  # if open to her (policy.slots), with its employer fetched
    pupil: Pupil  # her own record (policy.pupils)
    booking: Booking | None  # her active booking of the slot (policy.bookings: her own)
    periods: list[Period]  # her allocation periods, by opening and id


_PREFIXES: dict[str, type[Model]] = {
    "s": Slot,
    "e": Employer,
    "p": Pupil,
    "b": Booking,
    "pe": Period,
}


@functools.cache
def _pupil_sql() -> str:
    """What the slot page shows a pupil, in one statement: it answers every booking refused in
    a rush. Her booking is joined by her id, not as `b.id = (SELECT min(…))`: while the table's
    statistics still say it is empty (a period's first minutes), PostgreSQL ran that subquery
    once per booking row, tens of milliseconds a page at a thousand bookings. Built on first
    use: the models know their foreign-key columns once the ORM is up."""
    return f"""
SELECT {", ".join(columns(a, m) for a, m in _PREFIXES.items())}
FROM pupil p
LEFT JOIN slot s ON s.id = :slot AND {PUPIL_SLOT_SQL}
LEFT JOIN employer e ON e.id = s.employer_id
LEFT JOIN booking b ON b.pupil_id = p.id AND b.slot_id = :slot
  AND b.status IN (:pending, :confirmed)
  AND NOT EXISTS (
    SELECT 1 FROM booking x
    WHERE x.pupil_id = p.id AND x.slot_id = :slot AND x.status IN (:pending, :confirmed)
      AND x.id < b.id
  )
LEFT JOIN period pe ON pe.school_id = p.school_id AND pe.year_group = p.year_group
  AND pe.mode = :mode
WHERE p.id = :pupil
ORDER BY pe.booking_opens_at, pe.id
"""


async def pupil_facts(actor: Actor, slot_id: int) -> PupilFacts | None:
    """None when the statement does not apply (no pupil of her own): ask the ORM then."""
    scope = pupil_scope(actor)
    visible = pupil_slot_values(actor)
    if scope is None or scope[0] is not PupilScope.PUPIL or visible is None:
        return None
    conn = connections.get("default")
    sql, values = numbered(
        _pupil_sql(),
        {
            **visible,
            "slot": slot_id,
            "pending": ACTIVE_BOOKING_STATUSES[0].value,
            "confirmed": ACTIVE_BOOKING_STATUSES[1].value,
            "mode": PeriodMode.ALLOCATION.value,
            "pupil": scope[1],
        },
        conn.capabilities.dialect,
    )
    _, rows = await conn.execute_query(sql, values)
    if not rows:
        return None
    first = dict(rows[0])
    slot: Slot | None = model_of(first, "s", Slot)
    if slot is not None:
        slot._employer = model_of(first, "e", Employer)
    periods = [p for p in (model_of(dict(r), "pe", Period) for r in rows) if p is not None]
    return PupilFacts(slot, model_of(first, "p", Pupil), model_of(first, "b", Booking), periods)


async def slot_detail(
    actor: Actor, slot_id: int, refused: DomainError | None = None
) -> SlotDetail | None:
    """The slot if it is open to the actor, else None. `refused` is the refusal book_slot has
    just returned: it is why she may not book, and the rules are not run a second time."""
    if not valid_id(slot_id):
        return None
    facts = await pupil_facts(actor, slot_id) if actor.is_pupil else None
    if facts is not None:
        if facts.slot is None:
            return None
        return await _for_pupil(actor, facts.slot, facts, refused)
    slot = await policy.slots(actor).select_related("employer").get_or_none(id=slot_id)
    if slot is None:
        return None
    if not actor.is_pupil:
        return SlotDetail(slot, None, None, None)
    # A pupil without a record of her own: no booking, no wish, and booking is refused.
    return SlotDetail(slot, None, None, refused or await booking_refusal(actor, slot))


async def _for_pupil(
    actor: Actor, slot: Slot, facts: PupilFacts, refused: DomainError | None
) -> SlotDetail:
    if facts.booking is not None:
        return SlotDetail(slot, facts.booking, None, None)
    period = choose_allocation_period(facts.periods)
    if period is not None:
        return SlotDetail(slot, None, await wish_for_slot(facts.pupil, period, slot), None)
    refusal = refused or await booking_refusal(actor, slot, facts.pupil)
    return SlotDetail(slot, None, None, refusal)
