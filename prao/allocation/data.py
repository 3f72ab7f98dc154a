"""An allocation instance read from the database, its fingerprint, and a proposal written back."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from prao.allocation.solver import Instance, PupilWishes, SlotPlaces
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    EmployerStatus,
    Period,
    PeriodMode,
    Pupil,
    School,
    Slot,
    SlotStatus,
    SlotVisibility,
    Wish,
)
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


@dataclass
class Loaded:
    """The instance, and what the pages need to explain it."""

    period: Period
    instance: Instance
    fingerprint: str
    pupils: dict[int, Pupil]
    slots: dict[int, dict[str, object]]  # the organiser's slots, as rows
    eligible: dict[int, set[int]] = field(default_factory=dict)  # pupil -> eligible slot ids
    skipped_booked: int = 0
    dropped_wishes: int = 0  # wished but not eligible (visibility, age, dates, published)
    school_names: dict[int, str] = field(default_factory=dict)
    listed: set[int] = field(default_factory=set)


def overlaps(start: date, end: date, period: Period) -> bool:
    return start <= period.end_date and period.start_date <= end


def eligible(pupil: Pupil, slot: dict[str, object], period: Period, listed: set[int]) -> bool:
    """The booking rules an allocation applies: published, open to her school, dates, age."""
    start, end = slot["start_date"], slot["end_date"]
    assert isinstance(start, date) and isinstance(end, date)
    min_age = slot["min_age"]
    assert isinstance(min_age, int)
    return (
        slot["status"] == SlotStatus.PUBLISHED
        and (bool(slot["visible_to_all"]) or slot["id"] in listed)
        and overlaps(start, end, period)
        and pupil.age_on(start) >= min_age
    )


def _digest(parts: dict[str, object]) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def load(
    period_id: int, policy: str, conn: BaseDBAsyncClient | None = None, balance: bool = True
) -> Loaded:
    period = await Period.get(id=period_id, using_db=conn)
    school = await School.get(id=period.school_id, using_db=conn)
    pupils = {
        p.id: p
        for p in await Pupil.filter(school_id=school.id, year_group=period.year_group)
        .using_db(conn)
        .order_by("id")
    }
    booked = await (
        Booking.filter(period_id=period.id, status__in=list(ACTIVE_BOOKING_STATUSES))
        .using_db(conn)
        .order_by("id")
        .values_list("pupil_id", "slot_id", "status")
    )
    booked_pupils = {row[0] for row in booked}
    slots = {
        row["id"]: row
        # Only approved employers' slots (a published slot implies it; this keeps it so).
        for row in await Slot.filter(
            employer__organiser_id=school.organiser_id, employer__status=EmployerStatus.APPROVED
        )
        .using_db(conn)
        .order_by("id")
        .values(*SLOT_FIELDS)
    }
    listed: set[int] = {
        slot_id  # type: ignore[misc]
        for slot_id in await SlotVisibility.filter(school_id=school.id)
        .using_db(conn)
        .values_list("slot_id", flat=True)
    }
    wish_rows = await (
        Wish.filter(period_id=period.id)
        .using_db(conn)
        .order_by("pupil_id", "rank")
        .values_list("pupil_id", "slot_id", "rank")
    )
    wishes: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pupil_id, slot_id, rank in wish_rows:
        wishes[pupil_id].append((slot_id, rank))

    specs: list[PupilWishes] = []
    eligible_by_pupil: dict[int, set[int]] = {}
    dropped = 0
    for pupil_id, pupil in pupils.items():
        if pupil_id in booked_pupils:
            continue
        kept = []
        for slot_id, rank in wishes.get(pupil_id, []):
            row = slots.get(slot_id)
            if row is not None and eligible(pupil, row, period, listed):
                kept.append((slot_id, rank))
            else:
                dropped += 1
        eligible_by_pupil[pupil_id] = {s for s, _ in kept}
        specs.append(PupilWishes(id=pupil_id, school_id=school.id, wishes=tuple(kept)))

    wished = sorted({s for p in specs for s, _ in p.wishes})
    outside = await _outside_demand(period, school, conn)
    slot_specs = tuple(
        SlotPlaces(
            id=sid,
            places=max(int(slots[sid]["capacity"]) - int(slots[sid]["taken"]), 0),
            outside_demand=tuple(sorted(outside.get(sid, {}).items())),
        )
        for sid in wished
    )
    max_rank = max([period.max_wishes, *(r for _, _, r in wish_rows)])
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
        eligible=eligible_by_pupil,
        skipped_booked=len(booked_pupils & pupils.keys()),
        dropped_wishes=dropped,
        school_names={school.id: school.name},
        listed=listed,
    )


# What a proposal depends on, each part as one query: the pupils of the year group, the period's
# active bookings, its wishes, the wished slots and the school's listed slots. On PostgreSQL
# each part is hashed where it lies (md5 of the ordered rows), so checking a proposal reads a
# handful of digests, not the whole instance.
_PARTS = (
    (
        "SELECT id, year_group, birth_date FROM pupil WHERE school_id = :school"
        " AND year_group = :year_group",
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
    for part, order in _PARTS:
        sql, values = numbered(part, known, dialect)
        if dialect == "postgres":
            query = (
                f"SELECT md5(coalesce(string_agg(t::text, ';' ORDER BY {order}), ''))"
                f" AS digest FROM ({sql}) AS t"
            )
            rows = await client.execute_query_dict(query, values)
            digests.append(rows[0]["digest"])
        else:
            query = f"SELECT * FROM ({sql}) AS t ORDER BY {order}"
            rows = await client.execute_query_dict(query, values)
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
