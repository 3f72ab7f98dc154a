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

# The enum values are the code's own constants, written into the text once; the only
# parameter is which bookings.
_FACTS_SQL = f"""
SELECT b.id AS booking_id, b.status, p.birth_date, p.year_group, s.start_date, s.min_age,
  o.consent_mode, a.version AS assessment_version,
  (SELECT r.decision FROM assessment_review r
    WHERE r.assessment_id = a.id
      AND (r.school_id = p.school_id OR (r.school_id IS NULL AND r.organiser_id = o.id))
    ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) AS review,
  (SELECT COUNT(*) FROM guardian g WHERE g.pupil_id = p.id) AS guardians,
  (SELECT COUNT(*) FROM guardian_consent c
    WHERE c.booking_id = b.id AND c.decision = '{ConsentDecision.GIVEN.value}') AS given,
  (SELECT COUNT(*) FROM guardian_consent c
    WHERE c.booking_id = b.id AND c.decision = '{ConsentDecision.REFUSED.value}') AS refused
FROM booking b
JOIN pupil p ON p.id = b.pupil_id
JOIN school sc ON sc.id = p.school_id
JOIN organiser o ON o.id = sc.organiser_id
JOIN slot s ON s.id = b.slot_id
LEFT JOIN risk_assessment a ON a.id = (
  SELECT a2.id FROM risk_assessment a2
  WHERE a2.slot_id = b.slot_id AND a2.status = '{AssessmentStatus.SUBMITTED.value}'
  ORDER BY a2.version DESC LIMIT 1)
WHERE """


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


async def _states(where: str, values: list[Any]) -> dict[int, State]:
    conn = connections.get("default")
    _, rows = await conn.execute_query(_FACTS_SQL + where, values)
    return {row["booking_id"]: readiness(facts_of(row)) for row in rows}


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
