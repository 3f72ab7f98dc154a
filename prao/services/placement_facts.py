"""What place_pupil checks, read in one statement: the period as the actor may plan it, the
pupil in its school and year group with her school, the slot with its employer, whether the
slot is listed for her school and her active booking in the period. The rules stay in
prao.services.placement; this only fetches."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from prao.actor import Actor
from prao.models import ACTIVE_BOOKING_STATUSES, Employer, Period, Pupil, School, Slot
from prao.policy import PupilScope, pupil_scope
from prao.sql import columns, model_of, numbered

# policy.periods as SQL for the staff who may plan: fixed SQL, its key a parameter.
_SCOPE_SQL = {
    PupilScope.SCHOOL: "pe.school_id = :scope",
    PupilScope.ORGANISER: "psc.organiser_id = :scope",
}
_PREFIXES = {"pe": Period, "p": Pupil, "sc": School, "s": Slot, "e": Employer}


@dataclass(frozen=True)
class PlacementFacts:
    period: Period | None
    pupil: Pupil | None
    school: School | None  # the pupil's
    slot: Slot | None  # with .employer fetched
    listed: bool  # listed for the pupil's school by slot_visibility
    current: tuple[int, int] | None  # her active booking in the period: id and slot id
    school_scoped: bool  # the actor plans for one school: policy.slots lists only hers


def _sql(scope_sql: str) -> str:
    return f"""
SELECT {", ".join(columns(a, m) for a, m in _PREFIXES.items())},
  EXISTS (SELECT 1 FROM slot_visibility v WHERE v.slot_id = s.id AND v.school_id = p.school_id)
    AS listed,
  b.id AS current_id, b.slot_id AS current_slot_id
FROM period pe
JOIN school psc ON psc.id = pe.school_id
LEFT JOIN pupil p ON p.id = :pupil AND p.school_id = pe.school_id
  AND p.year_group = pe.year_group AND p.erased_at IS NULL
LEFT JOIN school sc ON sc.id = p.school_id
LEFT JOIN slot s ON s.id = :slot
LEFT JOIN employer e ON e.id = s.employer_id
LEFT JOIN booking b ON b.pupil_id = p.id AND b.period_id = pe.id
  AND b.status IN (:pending, :confirmed)
WHERE pe.id = :period AND {scope_sql}
ORDER BY b.id
LIMIT 1
"""


async def placement_facts(
    conn: BaseDBAsyncClient, actor: Actor, period_id: int, pupil_id: int, slot_id: int
) -> PlacementFacts:
    scope = pupil_scope(actor)
    if scope is None or scope[0] not in _SCOPE_SQL:
        return PlacementFacts(None, None, None, None, False, None, False)
    kind, key = scope
    sql, values = numbered(
        _sql(_SCOPE_SQL[kind]),
        {
            "pupil": pupil_id,
            "slot": slot_id,
            "pending": ACTIVE_BOOKING_STATUSES[0].value,
            "confirmed": ACTIVE_BOOKING_STATUSES[1].value,
            "period": period_id,
            "scope": key,
        },
        conn.capabilities.dialect,
    )
    _, rows = await conn.execute_query(sql, values)
    school_scoped = kind is PupilScope.SCHOOL
    if not rows:
        return PlacementFacts(None, None, None, None, False, None, school_scoped)
    row = dict(rows[0])
    slot: Slot | None = model_of(row, "s", Slot)
    if slot is not None:
        slot._employer = model_of(row, "e", Employer)
    current = (
        (int(row["current_id"]), int(row["current_slot_id"]))
        if row["current_id"] is not None
        else None
    )
    return PlacementFacts(
        model_of(row, "pe", Period),
        model_of(row, "p", Pupil),
        model_of(row, "sc", School),
        slot,
        bool(row["listed"]),
        current,
        school_scoped,
    )
