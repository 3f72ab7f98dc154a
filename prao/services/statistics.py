"""The statistics of a period, read in three grouped statements whatever the number of pupils:
the pupils of each school, the placed pupils' facts by school, employer and trade, and the
places offered by employer and trade. Coarser groups are sums of these (prao.statistics).

A period belongs to one school; the municipality's period is every period of the organiser
in the same weeks (the same start and end dates), so that schools are compared side by side.
No pupil is read: only counts leave the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from tortoise import connections

from prao import policy
from prao.actor import Actor
from prao.errors import ErrorCode, Outcome
from prao.models import (
    AttendanceStatus,
    BookingOrigin,
    BookingStatus,
    Employer,
    EmployerStatus,
    HostAgain,
    Period,
    School,
    SlotStatus,
)
from prao.sql import numbered
from prao.statistics import Counts, PeriodStatistics, Row, figures, total
from prao.validation import valid_id

# Enum values are the code's own constants, written into the text once; `{periods}` is the
# condition on the cohort's period ids, by placeholders only.
_PUPILS_SQL = f"""
SELECT pe.school_id AS school_id, COUNT(DISTINCT p.id) AS pupils
FROM period pe JOIN pupil p ON p.school_id = pe.school_id
WHERE {{periods}} AND (p.year_group = pe.year_group OR EXISTS (
    SELECT 1 FROM booking pb WHERE pb.pupil_id = p.id AND pb.period_id = pe.id
      AND pb.status = '{BookingStatus.CONFIRMED.value}'))
GROUP BY pe.school_id
"""

_ABSENT = f"'{AttendanceStatus.ABSENT.value}', '{AttendanceStatus.ABSENT_REPORTED.value}'"
_FIRST_COME = ", ".join(
    f"'{o.value}'" for o in (BookingOrigin.PUPIL, BookingOrigin.STAFF, BookingOrigin.API)
)
_ALLOCATED = f"b.origin = '{BookingOrigin.ALLOCATION.value}'"

_PLACED_SQL = f"""
WITH days AS (
    SELECT ad.booking_id AS booking_id, COUNT(*) AS days,
           SUM(CASE WHEN ad.status IN ({_ABSENT}) THEN 1 ELSE 0 END) AS absent
    FROM attendance_day ad JOIN booking db ON db.id = ad.booking_id
    WHERE {{day_periods}}
    GROUP BY ad.booking_id
)
SELECT p.school_id AS school_id, s.employer_id AS employer_id, s.trade AS trade,
    COUNT(*) AS placed,
    SUM(CASE WHEN b.origin = '{BookingOrigin.SELF_FOUND.value}' THEN 1 ELSE 0 END) AS self_found,
    SUM(CASE WHEN {_ALLOCATED} THEN 1 ELSE 0 END) AS allocated,
    SUM(CASE WHEN b.origin IN ({_FIRST_COME}) THEN 1 ELSE 0 END) AS first_come,
    SUM(CASE WHEN {_ALLOCATED} AND EXISTS (SELECT 1 FROM wish w
        WHERE w.pupil_id = b.pupil_id AND w.period_id = b.period_id) THEN 1 ELSE 0 END) AS ranked,
    SUM(CASE WHEN {_ALLOCATED} AND EXISTS (SELECT 1 FROM wish w
        WHERE w.pupil_id = b.pupil_id AND w.period_id = b.period_id AND w.slot_id = b.slot_id
          AND w.rank <= 3) THEN 1 ELSE 0 END) AS top3,
    SUM(CASE WHEN d.days > 0 THEN 1 ELSE 0 END) AS with_days,
    COALESCE(SUM(d.days), 0) AS days,
    COALESCE(SUM(d.absent), 0) AS absent_days,
    SUM(CASE WHEN c.requested_at IS NOT NULL THEN 1 ELSE 0 END) AS certificates_asked,
    SUM(CASE WHEN c.requested_at IS NOT NULL AND c.signed_at IS NOT NULL THEN 1 ELSE 0 END)
        AS certificates_signed,
    SUM(CASE WHEN e.pupil_asked_at IS NOT NULL THEN 1 ELSE 0 END) AS pupils_asked,
    SUM(CASE WHEN e.pupil_asked_at IS NOT NULL AND e.pupil_answered_at IS NOT NULL
        THEN 1 ELSE 0 END) AS pupils_answered,
    COALESCE(SUM(CASE WHEN e.pupil_answered_at IS NOT NULL THEN e.overall END), 0) AS score_sum,
    SUM(CASE WHEN e.pupil_answered_at IS NOT NULL AND e.overall IS NOT NULL
        THEN 1 ELSE 0 END) AS scored,
    SUM(CASE WHEN e.supervisor_asked_at IS NOT NULL THEN 1 ELSE 0 END) AS supervisors_asked,
    SUM(CASE WHEN e.supervisor_asked_at IS NOT NULL AND e.supervisor_answered_at IS NOT NULL
        THEN 1 ELSE 0 END) AS supervisors_answered,
    SUM(CASE WHEN e.supervisor_answered_at IS NOT NULL
        AND e.host_again = '{HostAgain.YES.value}' THEN 1 ELSE 0 END) AS host_again_yes
FROM booking b
JOIN slot s ON s.id = b.slot_id
JOIN pupil p ON p.id = b.pupil_id
LEFT JOIN days d ON d.booking_id = b.id
LEFT JOIN certificate c ON c.booking_id = b.id
LEFT JOIN evaluation e ON e.booking_id = b.id
WHERE b.status = '{BookingStatus.CONFIRMED.value}' AND {{periods}}
GROUP BY p.school_id, s.employer_id, s.trade
"""

_OFFERED_SQL = f"""
SELECT s.employer_id AS employer_id, s.trade AS trade, SUM(s.capacity) AS places
FROM slot s JOIN employer e ON e.id = s.employer_id
WHERE e.organiser_id = :organiser AND e.status = '{EmployerStatus.APPROVED.value}'
  AND s.status IN ('{SlotStatus.PUBLISHED.value}', '{SlotStatus.CLOSED.value}')
  AND s.start_date <= :last AND s.end_date >= :first
GROUP BY s.employer_id, s.trade
"""

_PLACED_FIELDS = (
    "placed",
    "self_found",
    "allocated",
    "first_come",
    "ranked",
    "top3",
    "with_days",
    "days",
    "absent_days",
    "certificates_asked",
    "certificates_signed",
    "pupils_asked",
    "pupils_answered",
    "score_sum",
    "scored",
    "supervisors_asked",
    "supervisors_answered",
    "host_again_yes",
)

NO_TRADE = "Ingen bransch angiven"


def _in(column: str, ids: list[int], prefix: str) -> tuple[str, dict[str, Any]]:
    """`column` is one of `ids`, by named markers (a cohort is a handful of periods)."""
    names = {f"{prefix}_{_letters(i)}": value for i, value in enumerate(ids)}
    return f"{column} IN ({', '.join(':' + name for name in names)})", names


def _letters(i: int) -> str:
    # Markers are letters and underscores only (prao.sql).
    text = ""
    while True:
        i, digit = divmod(i, 26)
        text = chr(ord("a") + digit) + text
        if i == 0:
            return text


def _day(value: date, dialect: str) -> Any:
    # SQLite keeps dates as ISO text and compares them as text.
    return value if dialect == "postgres" else value.isoformat()


async def _rows(sql: str, values: dict[str, Any]) -> list[Any]:
    conn = connections.get("default")
    text, params = numbered(sql, values, conn.capabilities.dialect)
    _, rows = await conn.execute_query(text, params)
    return list(rows)


def _placed(row: Any, pupils: int = 0) -> Counts:
    return Counts(pupils=pupils, **{name: int(row[name] or 0) for name in _PLACED_FIELDS})


def _summed(groups: Iterable[tuple[Any, Counts]]) -> dict[Any, Counts]:
    sums: dict[Any, Counts] = defaultdict(Counts)
    for key, counts in groups:
        sums[key] = sums[key] + counts
    return sums


async def cohort(period: Period, organiser_id: int) -> list[int]:
    """The ids of the organiser's periods in the same weeks as `period`."""
    ids = await Period.filter(
        school__organiser_id=organiser_id,
        start_date=period.start_date,
        end_date=period.end_date,
    ).values("id")
    return sorted(int(row["id"]) for row in ids)


async def period_statistics(actor: Actor, period_id: int) -> Outcome[PeriodStatistics]:
    """Organiser admins and organiser tokens: every school; a coordinator or a school's token:
    her own school's rows beside the totals, trades and employers of the whole cohort.
    Employers, pupils and others are refused."""
    scope = policy.statistics_schools(actor)
    if scope is None:
        return Outcome.fail(ErrorCode.FORBIDDEN, "period_id")
    organiser_id, own_school = scope
    if not valid_id(period_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    period = await policy.periods(actor).filter(id=period_id).first()
    if period is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "period_id")
    dialect = connections.get("default").capabilities.dialect
    ids = await cohort(period, organiser_id)
    periods, values = _in("pe.id", ids, "p")
    day_periods, day_values = _in("db.period_id", ids, "d")
    booked, booked_values = _in("b.period_id", ids, "b")

    pupil_rows = await _rows(_PUPILS_SQL.format(periods=periods), values)
    placed_rows = await _rows(
        _PLACED_SQL.format(periods=booked, day_periods=day_periods),
        {**booked_values, **day_values},
    )
    offered_rows = await _rows(
        _OFFERED_SQL,
        {
            "organiser": organiser_id,
            "first": _day(period.start_date, dialect),
            "last": _day(period.end_date, dialect),
        },
    )

    school_pupils = {int(r["school_id"]): int(r["pupils"]) for r in pupil_rows}
    placed = [
        (int(r["school_id"]), int(r["employer_id"]), r["trade"] or "", _placed(r))
        for r in placed_rows
    ]
    offered = [
        (int(r["employer_id"]), r["trade"] or "", int(r["places"] or 0)) for r in offered_rows
    ]

    by_school = _summed((school, c) for school, _, _, c in placed)
    for school, pupils in school_pupils.items():
        by_school[school] = by_school[school] + Counts(pupils=pupils)
    # A trade's or an employer's pupils are those placed there.
    by_trade = _summed((trade, replace(c, pupils=c.placed)) for _, _, trade, c in placed)
    by_employer = _summed((employer, replace(c, pupils=c.placed)) for _, employer, _, c in placed)
    for employer, trade, places in offered:
        by_trade[trade] = by_trade[trade] + Counts(places_offered=places)
        by_employer[employer] = by_employer[employer] + Counts(places_offered=places)

    totals = total(list(by_school.values())) + Counts(
        places_offered=sum(places for _, _, places in offered)
    )
    shown_schools = [s for s in by_school if own_school is None or s == own_school]
    school_names = dict(await School.filter(id__in=shown_schools).values_list("id", "name"))
    employer_names = dict(await Employer.filter(id__in=list(by_employer)).values_list("id", "name"))
    return Outcome(
        value=PeriodStatistics(
            period=period,
            totals=figures(totals),
            by_school=sorted(
                (
                    Row(str(s), str(school_names.get(s, "")), figures(by_school[s]))
                    for s in shown_schools
                ),
                key=lambda row: row.label,
            ),
            by_trade=sorted(
                (Row(t, t or NO_TRADE, figures(c)) for t, c in by_trade.items()),
                key=lambda row: row.label,
            ),
            by_employer=sorted(
                (
                    Row(str(e), str(employer_names.get(e, "")), figures(c))
                    for e, c in by_employer.items()
                ),
                key=lambda row: row.label,
            ),
        )
    )


async def periods_to_choose(actor: Actor) -> list[Period]:
    """The periods whose statistics the actor may read, the newest first."""
    if policy.statistics_schools(actor) is None:
        return []
    return list(await policy.periods(actor).order_by("-start_date", "name", "id").limit(200))
