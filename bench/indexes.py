"""Indexes for what grows: each hot query's plan on a PostgreSQL database of 100,000 pupils
(guardians, sign-in accounts, bookings, wishes, outbox and audit rows in proportion), with
the indexes of migration 0008 and, in the same run, without them (dropped inside a
transaction that is rolled back). Goal for every query: an index used, no sequential scan
of a table that grows.

    python bench/indexes.py [--pupils 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from typing import Any

import asyncpg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import create_database, drop_database, server_url  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import migrate  # noqa: E402

SCHOOLS = 40
EMPLOYERS = 2_000
SLOTS = 5_000

# Every row made in one statement each, in proportion to the pupils ($1).
SEED = [
    "INSERT INTO organiser (name, created_at) SELECT 'Kommun ' || g, now() "
    "FROM generate_series(1, 4) g",
    f"INSERT INTO school (organiser_id, name, created_at) SELECT 1 + g % 4, 'Skola ' || g, now() "
    f"FROM generate_series(1, {SCHOOLS}) g",
    "INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, "
    "security_marking, external_id, created_at, updated_at) "
    f"SELECT 1 + g % {SCHOOLS}, 'Elev', 'Nr' || g, 8, '8A', false, 'x-' || g, now(), "
    "now() - g * interval '1 second' FROM generate_series(1, $1::int) g",
    "INSERT INTO guardian (pupil_id, name, email) SELECT 1 + g % $1::int, '', "
    "'vh' || g || '@example.se' FROM generate_series(1, $1::int * 3 / 2) g",
    "INSERT INTO app_user (email, name, role, pupil_id, is_active, session_version, created_at) "
    "SELECT 'e' || g || '@elev.se', '', 'pupil', g, true, 0, now() "
    "FROM generate_series(1, $1::int) g",
    "INSERT INTO app_user (email, name, role, school_id, organiser_id, is_active, "
    "session_version, created_at) SELECT 'k' || g || '@skola.se', '', 'coordinator', "
    f"1 + g % {SCHOOLS}, 1 + g % 4, true, 0, now() FROM generate_series(1, 200) g",
    "INSERT INTO employer (organiser_id, name, address, city, status, decline_reason, "
    "decided_by, created_at, updated_at) SELECT 1 + g % 4, 'Arbetsplats ' || g, '', 'Varberg', "
    f"'approved', '', '', now(), now() FROM generate_series(1, {EMPLOYERS}) g",
    "INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at, "
    "booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy, created_at, "
    "updated_at) SELECT g, 'Prao', 8, current_date + 40, current_date + 51, now(), "
    "now() + interval '20 days', now() + interval '10 days', 'first_come', 5, 'convex', now(), "
    f"now() FROM generate_series(1, {SCHOOLS}) g",
    "INSERT INTO slot (employer_id, title, description, tasks, address, city, trade, "
    "start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken, "
    "min_age, visible_to_all, status, requires_approval, created_at, updated_at) "
    f"SELECT 1 + g % {EMPLOYERS}, 'Plats ' || g, '', '', '', 'Varberg', 'Handel', "
    "current_date + 40, current_date + 51, 480, 840, 30, 40, 0, 0, g % 5 <> 0, 'published', "
    f"false, now(), now() FROM generate_series(1, {SLOTS}) g",
    "INSERT INTO slot_visibility (slot_id, school_id) SELECT s, 1 + (s * 7 + k) % "
    f"{SCHOOLS} FROM generate_series(5, {SLOTS}, 5) s, generate_series(0, 2) k",
    # Six in ten pupils booked (in their school's period), a tenth of those cancelled.
    "INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_at, "
    f"updated_at) SELECT g, 1 + g % {SLOTS}, 1 + g % {SCHOOLS}, CASE WHEN g % 10 = 0 THEN "
    "'cancelled' ELSE 'confirmed' END, 'pupil', '', now(), now() "
    "FROM generate_series(1, $1::int * 6 / 10) g",
    f"INSERT INTO wish (pupil_id, period_id, slot_id, rank, created_at, updated_at) "
    f"SELECT g, 1 + g % {SCHOOLS}, 1 + (g * 13 + r * 101) % {SLOTS}, r, now(), now() "
    "FROM generate_series(1, $1::int) g, generate_series(1, 3) r",
    # Two and a half messages per booking, nearly all sent long ago.
    "INSERT INTO outbox_message (kind, to_address, subject, body, booking_id, status, attempts, "
    "last_error, created_at, claimed_at, next_attempt_at) SELECT 'booking_created', "
    "'x' || g || '@example.se', 'Bokning', '', 1 + (g - 1) * 2 / 5, CASE WHEN g % 5000 = 0 THEN "
    "'pending' WHEN g % 7001 = 0 THEN 'sending' WHEN g % 997 = 0 THEN 'failed' ELSE 'sent' END, "
    "1, '', now() - (g % 1000) * interval '1 minute', CASE WHEN g % 7001 = 0 THEN now() END, "
    "NULL FROM generate_series(1, $1::int * 3 / 2) g",
    "INSERT INTO outbox_event (kind, booking_id, snapshot, expanded_at, created_at) "
    "SELECT 'booking_created', g, '{}', CASE WHEN g % 3000 = 0 THEN NULL ELSE now() END, "
    "now() - interval '1 hour' FROM generate_series(1, $1::int * 6 / 10) g",
    "INSERT INTO audit_event (actor, organiser_id, action, object_type, object_count, detail, "
    "client, created_at) SELECT 'user:' || g % 200, 1 + g % 4, 'read', 'pupil', 1, '{}', '', "
    "now() - g * interval '10 seconds' FROM generate_series(1, $1::int * 2) g",
    "INSERT INTO api_token (name, token_hash, school_id, permissions, created_by, created_at) "
    f"SELECT 'System', md5(g::text) || md5(g::text), 1 + g % {SCHOOLS}, 'read,write', '', now() "
    "FROM generate_series(1, 100) g",
    "ANALYZE",
]

# (name, SQL, arguments): the statements Prao runs on its hot paths, in their shape.
HOT: list[tuple[str, str, tuple[Any, ...]]] = [
    ("guardians of a pupil", "SELECT * FROM guardian WHERE pupil_id = $1", (4242,)),
    ("sign-in account of a pupil", "SELECT * FROM app_user WHERE pupil_id = $1", (4242,)),
    ("session (user by id)", "SELECT session_version FROM app_user WHERE id = $1", (4242,)),
    (
        "active booking check",
        "SELECT id FROM booking WHERE pupil_id = $1 AND period_id = $2 "
        "AND status IN ('pending', 'confirmed')",
        (4242, 3),
    ),
    ("a pupil's bookings", "SELECT * FROM booking WHERE pupil_id = $1 ORDER BY id", (4242,)),
    (
        "a slot's bookings",
        "SELECT * FROM booking WHERE slot_id = $1 AND status IN ('pending', 'confirmed')",
        (77,),
    ),
    ("a period's bookings", "SELECT count(*) FROM booking WHERE period_id = $1", (3,)),
    ("wishes of a period", "SELECT pupil_id, slot_id, rank FROM wish WHERE period_id = $1", (3,)),
    ("wishes for a slot", "SELECT count(*) FROM wish WHERE slot_id = $1", (77,)),
    (
        "API token with its school",
        "SELECT t.*, s.organiser_id FROM api_token t LEFT JOIN school s ON s.id = t.school_id "
        "WHERE t.token_hash = md5('7') || md5('7')",
        (),
    ),
    (
        "audit page (organiser, time)",
        "SELECT * FROM audit_event WHERE organiser_id = $1 AND created_at >= now() - "
        "interval '1 day' ORDER BY created_at DESC, id DESC LIMIT 50",
        (2,),
    ),
    (
        "outbox stale claims",
        "SELECT id FROM outbox_message WHERE status = 'sending' "
        "AND claimed_at < now() - interval '1 minute'",
        (),
    ),
    (
        "outbox sweep of due messages",
        "SELECT id FROM outbox_message WHERE status = 'pending' AND to_address IS NOT NULL "
        "AND (next_attempt_at < now() OR (next_attempt_at IS NULL AND created_at < now())) "
        "ORDER BY id LIMIT 500",
        (),
    ),
    ("messages of a booking", "SELECT id FROM outbox_message WHERE booking_id = $1", (4242,)),
    (
        "mail problems of a school",
        "SELECT m.id FROM outbox_message m JOIN booking b ON b.id = m.booking_id "
        "JOIN pupil p ON p.id = b.pupil_id WHERE m.status = 'failed' AND p.school_id = $1 "
        "ORDER BY m.created_at DESC LIMIT 50",
        (3,),
    ),
    (
        "unexpanded outbox events",
        "SELECT id FROM outbox_event WHERE expanded_at IS NULL "
        "AND created_at < now() - interval '1 minute' ORDER BY id LIMIT 1000",
        (),
    ),
    ("events of a booking", "SELECT id FROM outbox_event WHERE booking_id = $1", (4242,)),
    ("schools that see a slot", "SELECT school_id FROM slot_visibility WHERE slot_id = $1", (5,)),
    ("slots a school sees", "SELECT slot_id FROM slot_visibility WHERE school_id = $1", (3,)),
    ("an employer's slots", "SELECT id FROM slot WHERE employer_id = $1", (42,)),
    ("a school's periods", "SELECT id FROM period WHERE school_id = $1", (3,)),
    ("a school's staff", "SELECT id FROM app_user WHERE school_id = $1", (3,)),
]

# Tables that grow with pupils: a sequential scan of one of them is what this bench hunts.
GROWING = {
    "pupil", "guardian", "app_user", "booking", "wish", "outbox_message", "outbox_event",
    "audit_event", "slot", "slot_visibility",
}  # fmt: skip


@dataclasses.dataclass
class Plan:
    nodes: list[str]
    seq_scans: list[str]
    ms: float


def _walk(node: dict[str, Any], nodes: list[str], seq: list[str]) -> None:
    kind = node["Node Type"]
    relation = node.get("Relation Name")
    index = node.get("Index Name")
    nodes.append(f"{kind} {index or relation or ''}".strip())
    if kind == "Seq Scan" and relation in GROWING:
        seq.append(relation)
    for child in node.get("Plans", []):
        _walk(child, nodes, seq)


async def explain(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...]) -> Plan:
    raw = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    top = json.loads(raw)[0]
    nodes: list[str] = []
    seq: list[str] = []
    _walk(top["Plan"], nodes, seq)
    return Plan(nodes=nodes, seq_scans=seq, ms=float(top["Execution Time"]))


async def new_indexes(conn: asyncpg.Connection) -> list[str]:
    """The indexes migration 0008 made, found by the columns it indexed."""
    rows = await conn.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND "
        "(indexname LIKE 'idx_%' AND indexname NOT SIMILAR TO "
        "'idx_(audit_event_created|pupil_updated|slot_city|slot_trade|slot_updated|"
        "booking_updated|mail_thrott|outbox_mess_created|outbox_mess_status)%' "
        "OR indexname = 'outbox_event_unexpanded')"
    )
    return [r["indexname"] for r in rows]


def line(name: str, plan: Plan) -> str:
    if plan.seq_scans:
        verdict = "SEQ SCAN " + ",".join(plan.seq_scans)
    elif any("Index" in node for node in plan.nodes):
        verdict = "index used"
    else:
        verdict = "small table scanned"
    return f"  {name:<30} {plan.ms:8.2f} ms  {verdict:<28} {' > '.join(plan.nodes[:3])}"


async def measure(pupils: int) -> int:
    server = server_url()
    url = await create_database(server)
    settings = dataclasses.replace(load_settings(), database_url=url, redis_url=None)
    misses = 0
    try:
        await migrate(settings)
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            t = time.perf_counter()
            for statement in SEED:
                if "$1" in statement:
                    await conn.execute(statement, pupils)
                else:
                    await conn.execute(statement)
            print(f"seeded {pupils:,} pupils in {time.perf_counter() - t:.1f} s")
            with_plans = [await explain(conn, sql, args) for _, sql, args in HOT]
            # Warmed by the first run: the second is the one printed.
            with_plans = [await explain(conn, sql, args) for _, sql, args in HOT]
            # Dropped in a transaction rolled back at once: the plans without the indexes.
            dropping = conn.transaction()
            await dropping.start()
            try:
                dropped = await new_indexes(conn)
                for index in dropped:
                    await conn.execute(f'DROP INDEX "{index}"')
                without = [await explain(conn, sql, args) for _, sql, args in HOT]
            finally:
                await dropping.rollback()
        finally:
            await conn.close()
        print(f"\nwithout the {len(dropped)} indexes of migration 0008 (same data, same run):")
        for (name, _, _), plan in zip(HOT, without, strict=True):
            print(line(name, plan))
        print("\nwith them (goal: index used for every query):")
        for (name, _, _), plan in zip(HOT, with_plans, strict=True):
            print(line(name, plan))
            misses += bool(plan.seq_scans)
        print(
            f"\n{len(HOT) - misses}/{len(HOT)} hot queries without a sequential scan of a "
            f"growing table (goal {len(HOT)}/{len(HOT)})"
        )
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)")
    finally:
        await drop_database(server, url)
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(measure(args.pupils))


if __name__ == "__main__":
    main()
