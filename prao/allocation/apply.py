"""Applying a proposal: bookings and their messages in one transaction, refused when the data
changed since the dry run."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, clock, outbox, policy
from prao.actor import Actor
from prao.allocation import data
from prao.allocation.access import CHUNK, visible_run
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    AllocationRun,
    AllocationStatus,
    Booking,
    BookingStatus,
    Period,
    Permission,
    School,
    Slot,
)


async def apply_run(actor: Actor, run_id: int) -> Outcome[AllocationRun]:
    if refusal := policy.lacks(actor, Permission.ALLOCATE, "run_id"):
        return Outcome(errors=[refusal])
    run = await visible_run(actor, run_id)
    if run is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "run_id", "Fördelningen finns inte.")
    outcome = await apply_proposal(run, AllocationStatus.DONE)
    if outcome.ok:
        await audit.record(actor, "apply", "allocation_run", run_id=run.id)
    return outcome


async def apply_proposal(run: AllocationRun, expected: AllocationStatus) -> Outcome[AllocationRun]:
    """`expected` is DONE for a reviewed proposal, RUNNING inside a run that applies at once."""
    if run.status == AllocationStatus.APPLIED:
        return Outcome.fail(ErrorCode.INVALID, "run_id", "Förslaget är redan tillämpat.")
    if run.status == AllocationStatus.STALE:
        return Outcome.fail(ErrorCode.STALE_PROPOSAL, "run_id")
    if run.status != expected or not run.result:
        return Outcome.fail(ErrorCode.INVALID, "run_id", "Fördelningen är inte klar än.")
    assignments = [tuple(row) for row in run.result.get("assignments", [])]  # type: ignore[attr-defined]
    started = time.perf_counter()
    try:
        async with in_transaction() as conn:
            now = clock.now()
            locked = (
                await AllocationRun.filter(id=run.id, status=expected)
                .using_db(conn)
                .update(status=AllocationStatus.APPLIED, applied_at=now)
            )
            if not locked:
                raise Refused(
                    DomainError.of(ErrorCode.INVALID, "run_id", "Förslaget är redan tillämpat.")
                )
            period = await Period.get(id=run.period_id, using_db=conn)
            school = await School.get(id=period.school_id, using_db=conn)
            stale = await data.fingerprint_of(period, school, conn) != run.fingerprint
            checked = time.perf_counter()
            if stale:
                raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id"))
            event_ids = await _write(conn, run, assignments, now)
    except Refused as refused:
        if refused.error.code == ErrorCode.STALE_PROPOSAL:
            await AllocationRun.filter(id=run.id).update(
                status=AllocationStatus.STALE, error=refused.error.message
            )
        return Outcome(errors=[refused.error])
    timings = {
        **dict(run.result.get("timings") or {}),  # type: ignore[call-overload]
        "write_seconds": round(time.perf_counter() - started, 4),
        "check_seconds": round(checked - started, 4),  # of write_seconds, the stale check
    }
    await _store_timings(run.id, timings)
    await jobs.expand(event_ids)
    # The run as now stored, without reading its proposal back.
    run.status, run.applied_at = AllocationStatus.APPLIED, now
    run.result = {**run.result, "timings": timings}
    return Outcome(value=run)


async def _store_timings(run_id: int, timings: dict[str, object]) -> None:
    """The apply's timings on the run; on PostgreSQL without sending the proposal back."""
    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        await client.execute_query(
            "UPDATE allocation_run SET result = jsonb_set(result, '{timings}', $1::jsonb)"
            " WHERE id = $2",
            [json.dumps(timings), run_id],
        )
        return
    run = await AllocationRun.get(id=run_id)
    await AllocationRun.filter(id=run_id).update(result={**run.result, "timings": timings})


async def _write(
    conn: BaseDBAsyncClient,
    run: AllocationRun,
    assignments: list[tuple[int, int, int]],
    now: datetime,
) -> list[int]:
    """Places, bookings and one outbox event per booking, each in one statement on PostgreSQL
    (a few executemany on SQLite); answers the events' ids."""
    if not assignments:
        return []
    per_slot = Counter(slot_id for _, slot_id, _ in assignments)
    slot_ids = sorted(per_slot)
    postgres = conn.capabilities.dialect == "postgres"
    if postgres:
        # One planned statement of a hundred thousand rows: not worth compiling (JIT), and its
        # sorts of the events fit in memory (the default work_mem spills them to disk).
        await conn.execute_script("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        reserved, _ = await conn.execute_query(
            _RESERVE_PG, [slot_ids, [per_slot[s] for s in slot_ids], now]
        )
    else:
        stamp = _sqlite_time(now)
        reserved = 0
        for slot_id in slot_ids:
            n = per_slot[slot_id]
            count, _ = await conn.execute_query(_RESERVE_SQLITE, [n, stamp, slot_id, n])
            reserved += count
    if reserved != len(slot_ids):  # a place filled, closed or shrank since the dry run
        raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id"))
    booking = outbox.booking_snapshot(
        Booking(status=BookingStatus.CONFIRMED, reason="", updated_at=now)
    )
    try:
        if postgres:
            pupils = [p for p, _, _ in assignments]
            slots = [s for _, s, _ in assignments]
            _, rows = await conn.execute_query(
                _BOOK_PG,
                [pupils, slots, run.period_id, now, outbox.snapshot_json(booking), slot_ids],
            )
            return [int(r[0]) for r in rows]
        snapshots = await _snapshots_sqlite(conn, booking, slot_ids)
        return await _book_sqlite(conn, run.period_id, assignments, snapshots, now)
    except IntegrityError as exc:  # someone got a booking in between
        raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id")) from exc


# Conditional, as a booking's is: published and room for all of the proposal's pupils.
_RESERVE_PG = """
UPDATE slot SET taken = slot.taken + u.n, updated_at = $3
FROM unnest($1::int[], $2::int[]) AS u(id, n)
WHERE slot.id = u.id AND slot.status = 'published' AND slot.taken + u.n <= slot.capacity
"""
_RESERVE_SQLITE = (
    "UPDATE slot SET taken = taken + ?, updated_at = ?"
    " WHERE id = ? AND status = 'published' AND taken + ? <= capacity"
)
_BOOKING_COLUMNS = (
    "pupil_id, slot_id, period_id, status, origin, reason, decided_at, created_at, updated_at"
)
# The bookings and their events in one statement: every event carries its slot's snapshot,
# the booking's part ($5) the same for all, the slot's built once per slot (materialised, or
# it would be built again for each of its bookings).
_BOOK_PG = f"""
WITH b AS (
    INSERT INTO booking ({_BOOKING_COLUMNS})
    SELECT a.pupil_id, a.slot_id, $3, 'confirmed', 'allocation', '', $4, $4, $4
    FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS a(pupil_id, slot_id, n)
    ORDER BY a.n
    RETURNING id, slot_id
), place AS MATERIALIZED (
    SELECT s.id, $5::jsonb || jsonb_build_object('slot', {outbox.PLACE_SNAPSHOT_PG}) AS snapshot
    FROM unnest($6::int[]) AS u(id) JOIN slot AS s ON s.id = u.id
)
INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
SELECT 'booking_created', b.id, place.snapshot, $4
FROM b JOIN place ON place.id = b.slot_id
ORDER BY b.id
RETURNING id
"""


@dataclass(frozen=True, slots=True)
class _Place:
    """The columns of a slot its event snapshot reads: a row, not a model, since a proposal
    names tens of thousands of slots. Hours as Slot turns its minutes into times."""

    title: str
    address: str
    city: str
    start_date: date
    end_date: date
    tasks: str
    starts_minute: int
    ends_minute: int

    day_starts_at = Slot.day_starts_at
    day_ends_at = Slot.day_ends_at


_PLACE_COLUMNS = "id, title, address, city, start_date, end_date, tasks, starts_minute, ends_minute"


async def _snapshots_sqlite(
    conn: BaseDBAsyncClient, booking: dict[str, object], slot_ids: list[int]
) -> dict[int, str]:
    """Each slot's event snapshot as JSON text, built once: the proposal's bookings differ only
    in pupil, and the snapshot holds none of her. (On PostgreSQL the statement builds them.)"""
    rows = []
    for i in range(0, len(slot_ids), CHUNK):
        chunk = slot_ids[i : i + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += await conn.execute_query_dict(
            f"SELECT {_PLACE_COLUMNS} FROM slot WHERE id IN ({marks})", chunk
        )
    snapshots: dict[int, str] = {}
    for row in rows:
        place = _Place(
            title=row["title"],
            address=row["address"],
            city=row["city"],
            start_date=_day(row["start_date"]),
            end_date=_day(row["end_date"]),
            tasks=row["tasks"],
            starts_minute=int(row["starts_minute"]),
            ends_minute=int(row["ends_minute"]),
        )
        # As outbox.event_snapshot would make it for the booking at this slot.
        snapshot = {**booking, "slot": outbox.place_snapshot(place)}
        snapshots[int(row["id"])] = outbox.snapshot_json(snapshot)
    return snapshots


def _day(value: date | str) -> date:
    """A date column as the driver gives it: a date on PostgreSQL, ISO text on SQLite."""
    return date.fromisoformat(value) if isinstance(value, str) else value


async def _book_sqlite(
    conn: BaseDBAsyncClient,
    period_id: int,
    assignments: list[tuple[int, int, int]],
    snapshots: dict[int, str],
    now: datetime,
) -> list[int]:
    now_db = _sqlite_time(now)
    await conn.execute_many(
        f"INSERT INTO booking ({_BOOKING_COLUMNS})"
        " VALUES (?, ?, ?, 'confirmed', 'allocation', '', ?, ?, ?)",
        [
            [pupil_id, slot_id, period_id, now_db, now_db, now_db]
            for pupil_id, slot_id, _ in assignments
        ],
    )
    ours = {pupil_id for pupil_id, _, _ in assignments}
    _, rows = await conn.execute_query(
        "SELECT id, pupil_id, slot_id FROM booking WHERE period_id = ? AND origin = 'allocation'"
        " AND status = 'confirmed' ORDER BY id",
        [period_id],
    )
    booked = [(r["id"], r["slot_id"]) for r in rows if r["pupil_id"] in ours]
    _, last = await conn.execute_query("SELECT coalesce(max(id), 0) AS id FROM outbox_event")
    await conn.execute_many(
        "INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)"
        " VALUES ('booking_created', ?, ?, ?)",
        [[booking_id, snapshots[slot_id], now_db] for booking_id, slot_id in booked],
    )
    _, rows = await conn.execute_query(
        "SELECT id FROM outbox_event WHERE id > ? ORDER BY id", [last[0]["id"]]
    )
    return [int(r["id"]) for r in rows]


def _sqlite_time(moment: datetime) -> object:
    """A datetime as Tortoise writes it to SQLite, so the ORM reads these rows back as its own."""
    return Booking._meta.fields_map["created_at"].to_db_value(moment, Booking)
