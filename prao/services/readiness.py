"""The facts prao.readiness decides on, read for many bookings in one statement: a period page
of 10,000 pupils, a page of bookings in the API, a pupil's own bookings.

Which assessment counts, and which review of it, is the rule of prao.readiness: the latest
submitted version of the slot's assessment, and the latest review of that version by the
pupil's school or by its whole organiser."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tortoise import connections

from prao.models import (
    AssessmentStatus,
    BookingStatus,
    ConsentDecision,
    ConsentMode,
    ReviewDecision,
)
from prao.models.people import age_on
from prao.readiness import Facts, State, readiness
from prao.rows import any_of

# Set-based, so that its cost does not grow with a subquery per booking (PostgreSQL also
# JIT-compiles a statement it estimates as costly, which took a 10,000-pupil page 85 ms).
# The enum values are the code's own constants, written into the text once; the only
# parameter is which bookings, in the `chosen` CTE.
_FACTS_SQL = f"""
WITH chosen AS (
  SELECT b.id, b.status, b.pupil_id, b.slot_id FROM booking b WHERE {{where}}
), latest AS (
  SELECT a.slot_id, MAX(a.version) AS version FROM risk_assessment a
  WHERE a.status = '{AssessmentStatus.SUBMITTED.value}'
    AND a.slot_id IN (SELECT slot_id FROM chosen)
  GROUP BY a.slot_id
), guardians AS (
  SELECT g.pupil_id, COUNT(*) AS n FROM guardian g
  WHERE g.pupil_id IN (SELECT pupil_id FROM chosen) GROUP BY g.pupil_id
), consents AS (
  SELECT c.booking_id,
    SUM(CASE WHEN c.decision = '{ConsentDecision.GIVEN.value}' THEN 1 ELSE 0 END) AS given,
    SUM(CASE WHEN c.decision = '{ConsentDecision.REFUSED.value}' THEN 1 ELSE 0 END) AS refused
  FROM guardian_consent c WHERE c.booking_id IN (SELECT id FROM chosen) GROUP BY c.booking_id
)
SELECT b.id AS booking_id, b.status, p.birth_date, p.year_group, s.start_date, s.min_age,
  o.consent_mode, a.version AS assessment_version,
  (SELECT r.decision FROM assessment_review r
    WHERE r.assessment_id = a.id
      AND (r.school_id = p.school_id OR (r.school_id IS NULL AND r.organiser_id = o.id))
    ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) AS review,
  COALESCE(g.n, 0) AS guardians, COALESCE(c.given, 0) AS given,
  COALESCE(c.refused, 0) AS refused
FROM chosen b
JOIN pupil p ON p.id = b.pupil_id
JOIN school sc ON sc.id = p.school_id
JOIN organiser o ON o.id = sc.organiser_id
JOIN slot s ON s.id = b.slot_id
LEFT JOIN latest l ON l.slot_id = b.slot_id
LEFT JOIN risk_assessment a ON a.slot_id = l.slot_id AND a.version = l.version
LEFT JOIN guardians g ON g.pupil_id = b.pupil_id
LEFT JOIN consents c ON c.booking_id = b.id
"""


def _as_date(value: Any) -> date | None:
    # SQLite answers dates as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def facts_of(row: Any) -> Facts:
    start = _as_date(row["start_date"])
    assert start is not None  # a slot always has dates
    review = row["review"]
    return Facts(
        status=BookingStatus(row["status"]),
        assessment_version=row["assessment_version"],
        review=ReviewDecision(review) if review is not None else None,
        pupil_age=age_on(_as_date(row["birth_date"]), row["year_group"], start),
        required_age=row["min_age"],
        consent_mode=ConsentMode(row["consent_mode"]),
        guardians=row["guardians"],
        consents_given=row["given"],
        consents_refused=row["refused"],
    )


def _key(row: Any) -> tuple[Any, ...]:
    """What decides a row's readiness, as it came from the database: a period's bookings
    share a few dozen of these, and each is decided once per read."""
    start = _as_date(row["start_date"])
    assert start is not None
    return (
        row["status"],
        row["assessment_version"] is None,
        row["review"],
        age_on(_as_date(row["birth_date"]), row["year_group"], start) >= row["min_age"],
        row["consent_mode"],
        row["guardians"],
        row["given"],
        row["refused"],
    )


async def _states(where: str, values: list[Any]) -> dict[int, State]:
    conn = connections.get("default")
    _, rows = await conn.execute_query(_FACTS_SQL.format(where=where), values)
    decided: dict[tuple[Any, ...], State] = {}
    states: dict[int, State] = {}
    for row in rows:
        key = _key(row)
        state = decided.get(key)
        if state is None:
            state = decided[key] = readiness(facts_of(row))
        states[row["booking_id"]] = state
    return states


async def booking_states(booking_ids: Sequence[int]) -> dict[int, State]:
    """The readiness of these bookings, by id (callers have checked that they may see them)."""
    if not booking_ids:
        return {}
    conn = connections.get("default")
    where, values = any_of("b.id", sorted(set(booking_ids)), conn.capabilities.dialect)
    return await _states(where, values)


async def period_states(period_id: int) -> dict[int, State]:
    """The readiness of every active booking of a period (the caller may manage it)."""
    conn = connections.get("default")
    marker = "$1" if conn.capabilities.dialect == "postgres" else "?"
    where = (
        f"b.period_id = {marker} AND b.status IN "
        f"('{BookingStatus.PENDING.value}', '{BookingStatus.CONFIRMED.value}')"
    )
    return await _states(where, [period_id])
