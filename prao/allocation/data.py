"""An allocation instance read from the database, its fingerprint, and a proposal written back."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from prao.allocation.solver import Instance, PupilWishes, SlotPlaces
from prao.models import Period, PeriodMode, Pupil, School, SlotStatus, Wish
from prao.sql import numbered

SLOT_FIELDS = (
    "id",
    "title",
    "capacity",
    "taken",
    "status",
    "min_age",
    "visible_to_all",
    "start_date",
    "end_date",
)


class PupilRow(NamedTuple):
    """What an allocation reads of a pupil: enough for her age on a slot's first day. A row,
    not a model: a year group is up to a hundred thousand pupils."""

    id: int
    year_group: int
    birth_date: date | None

    def age_on(self, day: date) -> int:
        """Pupil.age_on, the same rule on the same columns."""
        return Pupil.age_on(self, day)  # type: ignore[arg-type]


@dataclass
class Loaded:
    """The instance, and what the pages need to explain it."""

    period: Period
    instance: Instance
    fingerprint: str
    pupils: dict[int, PupilRow]
    slots: dict[int, dict[str, object]]  # the organiser's slots, as rows
    skipped_booked: int = 0
    dropped_wishes: int = 0  # wished but not eligible (visibility, age, dates, published)
    school_names: dict[int, str] = field(default_factory=dict)
    listed: set[int] = field(default_factory=set)


def overlaps(start: date, end: date, period: Period) -> bool:
    return start <= period.end_date and period.start_date <= end


def open_to(slot: dict[str, object], period: Period, listed: set[int]) -> bool:
    """The rules of eligible that do not depend on the pupil: published, open to her school,
    dates."""
    start, end = slot["start_date"], slot["end_date"]
    assert isinstance(start, date) and isinstance(end, date)
    return (
        slot["status"] == SlotStatus.PUBLISHED
        and (bool(slot["visible_to_all"]) or slot["id"] in listed)
        and overlaps(start, end, period)
    )


def eligible(pupil: PupilRow, slot: dict[str, object], period: Period, listed: set[int]) -> bool:
    """The booking rules an allocation applies: published, open to her school, dates, age."""
    start, min_age = slot["start_date"], slot["min_age"]
    assert isinstance(start, date) and isinstance(min_age, int)
    return open_to(slot, period, listed) and pupil.age_on(start) >= min_age


def _digest(parts: dict[str, object]) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _day(value: object) -> date | None:
    """A date column as the driver gives it: a date on PostgreSQL, ISO text on SQLite."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    assert value is None or isinstance(value, date)
    return value


# Plain statements, not querysets: the instance is read as rows of a few columns, without a
# model per pupil or a dict per wish.
_PUPILS = (
    "SELECT id, year_group, birth_date FROM pupil"
    " WHERE school_id = :school AND year_group = :year_group AND erased_at IS NULL ORDER BY id"
)
_BOOKED = (
    "SELECT DISTINCT pupil_id FROM booking WHERE period_id = :period"
    " AND status IN ('pending', 'confirmed')"
)
_SLOTS = (
    "SELECT s.id, s.title, s.capacity, s.taken, s.status, s.min_age, s.visible_to_all,"
    " s.start_date, s.end_date FROM slot s JOIN employer e ON e.id = s.employer_id"
    " WHERE e.organiser_id = :organiser AND e.status = 'approved' ORDER BY s.id"
)
_LISTED = "SELECT slot_id FROM slot_visibility WHERE school_id = :school"
_WISHES = (
    "SELECT pupil_id, slot_id, rank FROM wish WHERE period_id = :period ORDER BY pupil_id, rank"
)


async def load(
    period_id: int, policy: str, conn: BaseDBAsyncClient | None = None, balance: bool = True
) -> Loaded:
    client = conn or connections.get("default")
    dialect = client.capabilities.dialect
    period = await Period.get(id=period_id, using_db=conn)
    school = await School.get(id=period.school_id, using_db=conn)
    known = {
        "school": school.id,
        "year_group": period.year_group,
        "period": period.id,
        "organiser": school.organiser_id,
    }

    async def rows(sql: str) -> Sequence[Any]:
        query, values = numbered(sql, known, dialect)
        return (await client.execute_query(query, values))[1]

    pupils = {
        int(r[0]): PupilRow(id=int(r[0]), year_group=int(r[1]), birth_date=_day(r[2]))
        for r in await rows(_PUPILS)
    }
    booked_pupils = {int(r[0]) for r in await rows(_BOOKED)}
    # Only approved employers' slots (a published slot implies it; this keeps it so).
    slots: dict[int, dict[str, object]] = {}
    for r in await rows(_SLOTS):
        slot = dict(zip(SLOT_FIELDS, r, strict=True))
        slot["start_date"], slot["end_date"] = _day(r[7]), _day(r[8])
        slot["visible_to_all"] = bool(r[6])
        slots[int(r[0])] = slot
    listed = {int(r[0]) for r in await rows(_LISTED)}
    # Per slot once: its first day and lowest age where it is open to the school's pupils.
    open_slots: dict[int, tuple[date, int]] = {
        sid: (slot["start_date"], slot["min_age"])  # type: ignore[misc]
        for sid, slot in slots.items()
        if open_to(slot, period, listed)
    }

    kept: dict[int, list[tuple[int, int]]] = {}
    dropped = 0
    max_rank = period.max_wishes
    for pupil_id, slot_id, rank in await rows(_WISHES):
        if rank > max_rank:
            max_rank = rank
        pupil = pupils.get(pupil_id)
        if pupil is None or pupil_id in booked_pupils:
            continue
        seen = open_slots.get(slot_id)
        if seen is not None and pupil.age_on(seen[0]) >= seen[1]:
            kept.setdefault(pupil_id, []).append((slot_id, rank))
        else:
            dropped += 1
    specs = [
        PupilWishes(id=pupil_id, school_id=school.id, wishes=tuple(kept.pop(pupil_id, ())))
        for pupil_id in pupils
        if pupil_id not in booked_pupils
    ]

    wished = sorted({s for p in specs for s, _ in p.wishes})
    outside = await _outside_demand(period, school, conn)
    slot_specs = tuple(
        SlotPlaces(
            id=sid,
            places=max(int(slots[sid]["capacity"]) - int(slots[sid]["taken"]), 0),  # type: ignore[call-overload]
            outside_demand=tuple(sorted(outside.get(sid, {}).items())),
        )
        for sid in wished
    )
    instance = Instance(
        pupils=tuple(specs), slots=slot_specs, max_rank=max_rank, policy=policy, balance=balance
    )
    fingerprint = await fingerprint_of(period, school, conn)
    return Loaded(
        period=period,
        instance=instance,
        fingerprint=fingerprint,
        pupils=pupils,
        slots=slots,
        skipped_booked=len(booked_pupils & pupils.keys()),
        dropped_wishes=dropped,
        school_names={school.id: school.name},
        listed=listed,
    )


# What a proposal depends on, each part as one query: the pupils of the year group, the period's
# active bookings, its wishes, the wished slots and the school's listed slots. On PostgreSQL
# the parts are hashed where they lie, all in one statement, so checking a proposal reads a
# handful of digests, not the whole instance.
_PARTS = (
    (
        "SELECT id, year_group, birth_date FROM pupil WHERE school_id = :school"
        " AND year_group = :year_group AND erased_at IS NULL",
        "id",
    ),
    (
        "SELECT id, pupil_id, slot_id, status FROM booking WHERE period_id = :period"
        " AND status IN ('pending', 'confirmed')",
        "id",
    ),
    ("SELECT pupil_id, slot_id, rank FROM wish WHERE period_id = :period", "pupil_id, rank"),
    (
        "SELECT s.id, s.title, s.capacity, s.taken, s.status, s.min_age, s.visible_to_all,"
        " s.start_date, s.end_date FROM slot s JOIN employer e ON e.id = s.employer_id"
        " WHERE e.organiser_id = :organiser AND e.status = 'approved'"
        " AND s.id IN (SELECT slot_id FROM wish WHERE period_id = :period)",
        "id",
    ),
    ("SELECT slot_id FROM slot_visibility WHERE school_id = :school", "slot_id"),
)
# A part's digest on PostgreSQL: its rows counted, and a 64-bit hash of each row's text summed.
# The rows of each part are distinct, so no change of a part leaves both as they were but by a
# collision of the hash; and a sum needs no sort. At 100,000 pupils (500,000 wishes) this
# takes 0.26-0.31 s of database CPU where an md5 of each part's rows in order took 0.44-0.48 s.
_DIGESTS_PG = "SELECT " + ", ".join(
    f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0)"
    f" FROM ({part}) AS t) AS part{i}"
    for i, (part, _) in enumerate(_PARTS)
)


async def fingerprint_of(period: Period, school: School, conn: BaseDBAsyncClient | None) -> str:
    """A digest of what a proposal for `period` depends on: the same data, the same digest."""
    client = conn or connections.get("default")
    known = {
        "school": school.id,
        "year_group": period.year_group,
        "period": period.id,
        "organiser": school.organiser_id,
    }
    digests: list[object] = [
        [period.start_date, period.end_date, period.max_wishes, period.year_group]
    ]
    dialect = client.capabilities.dialect
    if dialect == "postgres":
        sql, values = numbered(_DIGESTS_PG, known, dialect)
        _, rows = await client.execute_query(sql, values)
        digests += list(rows[0])
        return _digest({"parts": digests})
    for part, order in _PARTS:
        sql, values = numbered(part, known, dialect)
        rows = await client.execute_query_dict(
            f"SELECT * FROM ({sql}) AS t ORDER BY {order}", values
        )
        digests.append([list(r.values()) for r in rows])
    return _digest({"parts": digests})


async def _outside_demand(
    period: Period, school: School, conn: BaseDBAsyncClient | None
) -> dict[int, dict[int, int]]:
    """Other schools' wishes in allocation periods overlapping this one, per slot and school."""
    rows = await (
        Wish.filter(
            period__mode=PeriodMode.ALLOCATION,
            period__school__organiser_id=school.organiser_id,
            period__start_date__lte=period.end_date,
            period__end_date__gte=period.start_date,
        )
        .exclude(period__school_id=school.id)
        .using_db(conn)
        .annotate(wishes=Count("id"))
        .group_by("slot_id", "period__school_id")
        .values("slot_id", "period__school_id", "wishes")
    )
    demand: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        demand[row["slot_id"]][row["period__school_id"]] = row["wishes"]
    return demand
