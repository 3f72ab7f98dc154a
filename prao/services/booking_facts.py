"""What book_slot checks, read in one statement: the pupil (as the actor may see her) with her
school, the slot with its employer, whether the slot is listed for her school, her school's
first-come periods for her year group and which of them she holds an active booking in.
The rules stay in prao.services.booking; this only fetches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from prao.actor import Actor
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Employer,
    Period,
    PeriodMode,
    Pupil,
    School,
    Slot,
)
from prao.policy import PupilScope, pupil_scope
from prao.sql import columns, model_of, numbered

# The scope's condition, chosen by kind: fixed SQL, its key a parameter.
_SCOPE_SQL = {
    PupilScope.SCHOOL: "p.school_id = :scope",
    PupilScope.ORGANISER: "sc.organiser_id = :scope",
    PupilScope.PUPIL: "p.id = :scope",
}
# What the rules, the write and its event read of each, no more: every column read is decoded
# and converted on every booking. The slot whole: the event's snapshot and the answer take it.
_PREFIXES: dict[str, tuple[type[Model], tuple[str, ...] | None]] = {
    "p": (Pupil, ("id", "school_id", "year_group", "birth_date")),
    "sc": (School, ("id", "organiser_id")),
    "s": (Slot, None),
    "e": (Employer, ("id", "organiser_id", "status")),
    "pe": (Period, ("id", "start_date", "end_date", "booking_opens_at", "booking_closes_at")),
}


@dataclass(frozen=True)
class BookingFacts:
    """The pupil, her school, the employer and the periods are partial (_PREFIXES' columns)."""

    pupil: Pupil | None  # with .school fetched
    slot: Slot | None  # with .employer fetched
    listed: bool  # listed for the pupil's school by slot_visibility
    periods: list[Period]  # first-come, ordered by start date and id
    active_period_ids: frozenset[int]


def _sql(scope_sql: str) -> str:
    return f"""
SELECT {", ".join(columns(a, m, only) for a, (m, only) in _PREFIXES.items())},
  EXISTS (SELECT 1 FROM slot_visibility v WHERE v.slot_id = s.id AND v.school_id = p.school_id)
    AS listed,
  EXISTS (SELECT 1 FROM booking b WHERE b.pupil_id = p.id AND b.period_id = pe.id
          AND b.status IN (:pending, :confirmed)) AS active
FROM pupil p
JOIN school sc ON sc.id = p.school_id
LEFT JOIN slot s ON s.id = :slot
LEFT JOIN employer e ON e.id = s.employer_id
LEFT JOIN period pe ON pe.school_id = p.school_id AND pe.year_group = p.year_group
  AND pe.mode = :mode
WHERE p.id = :pupil AND {scope_sql}
ORDER BY pe.start_date, pe.id
"""


def _model(row: dict[str, Any], alias: str) -> Any:
    model, only = _PREFIXES[alias]
    return model_of(row, alias, model, only)


@lru_cache(maxsize=len(_SCOPE_SQL))
def _statement(kind: PupilScope) -> str:
    """Built once per kind of scope (every booking runs one), on first use: the models' columns
    are known once the ORM is initialised."""
    return _sql(_SCOPE_SQL[kind])


async def booking_facts(
    conn: BaseDBAsyncClient, actor: Actor, pupil_id: int, slot_id: int
) -> BookingFacts:
    scope = pupil_scope(actor)
    if scope is None:
        return BookingFacts(None, None, False, [], frozenset())
    kind, key = scope
    sql, values = numbered(
        _statement(kind),
        {
            "pending": ACTIVE_BOOKING_STATUSES[0].value,
            "confirmed": ACTIVE_BOOKING_STATUSES[1].value,
            "slot": slot_id,
            "mode": PeriodMode.FIRST_COME.value,
            "pupil": pupil_id,
            "scope": key,
        },
        conn.capabilities.dialect,
    )
    _, rows = await conn.execute_query(sql, values)
    if not rows:
        return BookingFacts(None, None, False, [], frozenset())
    first = dict(rows[0])
    pupil: Pupil = _model(first, "p")
    pupil._school = _model(first, "sc")
    slot: Slot | None = _model(first, "s")
    if slot is not None:
        slot._employer = _model(first, "e")
    periods: list[Period] = []
    active: set[int] = set()
    for raw in rows:
        row = dict(raw)
        period = _model(row, "pe")
        if period is None:
            continue
        periods.append(period)
        if row["active"]:
            active.add(period.id)
    return BookingFacts(pupil, slot, bool(first["listed"]), periods, frozenset(active))
