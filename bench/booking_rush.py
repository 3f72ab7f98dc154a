"""Booking rush: pupils book at once, each once, into slots with fewer places than pupils, on
PostgreSQL, and Prao beside a floor measured in the same run.

- The floor (bench/floor_server.py): Strawberry with caches + asyncpg doing the same checks and
  writes as Prao's `bookSlot`, under uvicorn with as many workers as Prao.
- The GraphQL rush: `--concurrency` clients book `--pupils` pupils through `bookSlot` with a
  school's API token, against Prao and then the floor, on the same data (reset in between);
  the floor books the pupils Prao had time for, in the same order, so both meet the same mix
  of bookings and full slots.
- The web rush: `--web-pupils` pupils, signed in beforehand over HTTP through their sign-in
  links, post the booking form of the slot page with their session cookie and CSRF token.
- Statements per booking, counted on the wire by a proxy in front of PostgreSQL in a separate,
  short sequential run (bench/common.py StatementCounter), for Prao and the floor.

Load comes from `wrk` (Debian package `wrk`) with bench/booking_rush.lua: every request books
another pupil, and a rush ends when every pupil has had her answer (or after `--seconds`). The
figures: requests/s, latency (wrk's, which corrects for coordinated omission: if anything high),
outcomes and errors by kind, server and load-generator CPU per request, load average, and the
database checked afterwards: no slot with more active bookings than places, `taken` equal to
the active bookings, no pupil booked twice in the period. Prao's API budget
(RATE_LIMIT_POINTS) is set to fit every request of the run, and said; a 429 is reported loudly.

Prao runs with Redis (its jobs go to arq, as in production, and nothing consumes them) at
BENCH_REDIS_URL or --redis, a database the bench empties; --no-redis runs its jobs in process.

    python bench/booking_rush.py [--pupils 20000] [--web-pupils 2000] [--concurrency 200]
                                 [--seconds 20] [--workers 1] [--no-web] [--no-graphql]
                                 [--no-redis]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.limits import MAX_COST  # noqa: E402
from bench.common import (  # noqa: E402
    CommandServer,
    Server,
    StatementCounter,
    cpu_seconds,
    create_database,
    drop_database,
    free_port,
    global_id,
    server_url,
)
from prao.auth import create_api_token, hash_secret  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import close_db, init_db, migrate  # noqa: E402
from prao.errors import MESSAGES, ErrorCode  # noqa: E402
from prao.models import School  # noqa: E402
from server.app import SESSION_COOKIE  # noqa: E402

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "booking_rush.lua"
SECRET_KEY = "booking-rush-bench-" + secrets.token_urlsafe(16)
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"

BOOK = """mutation Book($input: BookSlotInput!) {
  bookSlot(input: $input) { booking { id status } errors { code field message } }
}"""

# What a rush may answer besides a booking (the slot page again, on the web); anything else is
# an error.
EXPECTED_REFUSALS = {"SLOT_FULL", f"HTTP 409 {MESSAGES[ErrorCode.SLOT_FULL]}"}
WARM_UP = 100  # bookings before each rush, by pupils of their own: pools, caches
COUNTED = 20  # sequential bookings whose statements are counted, after three warm-up ones
CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
SESSION_RE = re.compile(rf"{SESSION_COOKIE}=([^;]*)")
# Goals of issue 12: Prao against the floor, its latency, statements, and the load generator.
GOAL_RATIO = 0.5
GOAL_P99_MS = 500
GOAL_STATEMENTS = 4
GOAL_CLIENT_SHARE = 0.10  # the load generator's CPU per request, of the server's


# --- data -------------------------------------------------------------------------------------

SEED_SQL = {
    "organiser": "INSERT INTO organiser (name, created_at) VALUES ('Rusningskommun', now())"
    " RETURNING id",
    "school": "INSERT INTO school (organiser_id, name, contact_email, created_at)"
    " VALUES ($1, 'Rusningsskolan', 'syv@example.se', now()) RETURNING id",
    "employers": """
        INSERT INTO employer (organiser_id, name, org_number, contact_email, address, city,
          created_at, updated_at, decided_at, decided_by, decline_reason, status)
        SELECT $1, 'Företag ' || i || ' AB', NULL, 'kontakt' || i || '@example.se',
          'Storgatan ' || i, (ARRAY['Varberg','Falkenberg','Halmstad'])[1 + i % 3], now(), now(),
          NULL, '', '', 'approved'
        FROM generate_series(1, $2) i""",
    "period": """
        INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at,
          booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy, created_at,
          updated_at)
        VALUES ($1, 'Prao vecka 10-11', 8, current_date + 42, current_date + 53,
          now() - interval '1 day', now() + interval '10 days', now() + interval '5 days',
          'first_come', 5, 'convex', now(), now())""",
    # Every pupil with an address and one or two guardians: the messages a booking causes.
    "pupils": """
        INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, email,
          birth_date, security_marking, external_id, created_at, updated_at)
        SELECT $1, 'Elev' || i, 'Efternamn' || (i % 997), 8, '8' || chr(65 + i % 4),
          'elev' || i || '@example.se', NULL, false, 'r' || i, now(), now()
        FROM generate_series(1, $2) i""",
    "guardians": """
        INSERT INTO guardian (name, email, pupil_id)
        SELECT 'Vårdnadshavare ' || g, 'vh' || g || '.' || p.id || '@example.se', p.id
        FROM pupil p, generate_series(1, 1 + p.id % 2) g""",
    # One slot in seven asks the employer first (a pending booking).
    "slots": """
        INSERT INTO slot (employer_id, title, description, tasks, address, city, trade,
          start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken,
          min_age, visible_to_all, status, requires_approval, created_at, updated_at)
        SELECT e.first + (c.i - 1) % $2, 'Praoplats ' || c.i,
          'Följ med en handledare under en vanlig arbetsdag.', 'Hjälpa till i det dagliga arbetet.',
          'Storgatan ' || c.i, 'Varberg', 'Handel', current_date + 42, current_date + 53, 480, 840,
          30, c.capacity, 0, 0, true, 'published', c.i % 7 = 0, now(), now()
        FROM unnest($1::int[]) WITH ORDINALITY c(capacity, i),
          (SELECT min(id) AS first FROM employer) e""",
    "users": """
        INSERT INTO app_user (email, name, role, is_active, created_at, pupil_id,
          session_version)
        SELECT 'elev' || p.id || '.konto@example.se', p.first_name || ' ' || p.last_name,
          'pupil', true, now(), p.id, 0
        FROM pupil p WHERE p.id = ANY($1::int[]) ORDER BY p.id RETURNING id, pupil_id""",
    "links": """
        INSERT INTO sign_in_token (token_hash, expires_at, created_at, user_id)
        SELECT h, now() + interval '2 hours', now(), u
        FROM unnest($1::text[], $2::int[]) t(h, u)""",
}

# Last year's prao at the same school, as a database in use holds it: last year's year 8 (now
# in year 9), each booked on one of last year's places. With no booking in the table, the
# planner took the bookings table for empty and the plans a connection keeps from the start
# of a rush scanned it whole for every booking, more rows each second (PostgreSQL's CPU per
# booking grew through the rush, and most for Prao's check of the pupil's other bookings).
HISTORY_SQL: list[tuple[str, tuple[str, ...]]] = [  # each statement with what $1, $2 are
    (
        """INSERT INTO period (school_id, name, year_group, start_date, end_date,
             booking_opens_at, booking_closes_at, cancel_deadline, mode, max_wishes,
             allocation_policy, created_at, updated_at)
           VALUES ($1, 'Prao förra året', 8, current_date - 365, current_date - 354,
             now() - interval '400 days', now() - interval '380 days',
             now() - interval '380 days', 'first_come', 5, 'convex',
             now() - interval '400 days', now() - interval '354 days')""",
        ("school",),
    ),
    (
        """INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, email,
             birth_date, security_marking, external_id, created_at, updated_at)
           SELECT $1, 'Nian' || i, 'Efternamn' || (i % 997), 9, '9' || chr(65 + i % 4),
             'nian' || i || '@example.se', NULL, false, 'h' || i, now(), now()
           FROM generate_series(1, $2) i""",
        ("school", "pupils"),
    ),
    (
        """INSERT INTO slot (employer_id, title, description, tasks, address, city, trade,
             start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken,
             min_age, visible_to_all, status, requires_approval, created_at, updated_at)
           SELECT e.first + i % 50, 'Förra årets plats ' || i, '', '', 'Storgatan ' || i,
             'Varberg', 'Handel', current_date - 365, current_date - 354, 480, 840, 30, 8, 0,
             0, true, 'closed', false, now(), now()
           FROM generate_series(1, ($1::int + 7) / 8) i,
             (SELECT min(id) AS first FROM employer) e""",
        ("pupils",),
    ),
    (
        """INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason,
             created_at, updated_at)
           SELECT p.id, s.first + (row_number() OVER (ORDER BY p.id) - 1) / 8, pe.id,
             'confirmed', 'pupil', '', now() - interval '380 days', now() - interval '380 days'
           FROM pupil p,
             (SELECT min(id) AS first FROM slot WHERE status = 'closed') s,
             (SELECT id FROM period WHERE end_date < current_date) pe
           WHERE p.year_group = 9""",
        (),
    ),
    (
        """UPDATE slot s SET taken = b.n
           FROM (SELECT slot_id, count(*) AS n FROM booking GROUP BY slot_id) b
           WHERE b.slot_id = s.id AND s.status = 'closed'""",
        (),
    ),
]
# This year's bookings go between rushes; last year's stay.
RUSH_PERIODS = "SELECT id FROM period WHERE end_date >= current_date"
RESET_SQL = [
    "TRUNCATE outbox_event, outbox_message RESTART IDENTITY CASCADE",
    f"DELETE FROM booking WHERE period_id IN ({RUSH_PERIODS})",
    "UPDATE slot SET taken = 0 WHERE taken <> 0 AND status <> 'closed'",
]
# Before each rush the database is left with nothing of its own to do (as pgbench vacuums
# before a run): the rows just seeded or changed are vacuumed and their pages written out, so
# that autovacuum of the fresh seed (its insert threshold) and the checkpoint of its pages do
# not fall into whichever rush runs first (Prao's). PostgreSQL's CPU per booking still varies
# from run to run (0.5 to 1.8 ms for the same code); this takes one cause out.
QUIESCE_SQL = ["VACUUM ANALYZE", "CHECKPOINT"]


@dataclass
class World:
    token: str
    counted: list[int]  # pupils of the statement counts, two sets of COUNTED + 3
    warm_up: list[int]  # pupils of the warm-up before each rush
    rush: list[int]  # pupils of the GraphQL rush
    web: list[tuple[int, str]]  # pupils of the web rush and their sign-in links
    slots: list[int]  # most popular first
    places: int


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def seed(database_url: str, args: argparse.Namespace) -> World:
    settings = dataclasses.replace(load_settings(), database_url=database_url)
    await migrate(settings)
    counted = 2 * (COUNTED + 3)
    total = counted + WARM_UP + args.pupils + args.web_pupils
    rng = random.Random(12)
    places = int(max(args.pupils, args.web_pupils) * args.capacity_ratio) + counted + WARM_UP
    capacities: list[int] = []
    while sum(capacities) < places:
        capacities.append(min(rng.randint(1, 10), places - sum(capacities)))
    conn = await asyncpg.connect(dsn(database_url))
    try:
        async with conn.transaction():
            org = await conn.fetchval(SEED_SQL["organiser"])
            school = await conn.fetchval(SEED_SQL["school"], org)
            await conn.execute(SEED_SQL["employers"], org, max(1, len(capacities) // 10))
            await conn.execute(SEED_SQL["period"], school)
            await conn.execute(SEED_SQL["pupils"], school, total)
            await conn.execute(SEED_SQL["guardians"])
            await conn.execute(SEED_SQL["slots"], capacities, max(1, len(capacities) // 10))
            pupils = [r["id"] for r in await conn.fetch("SELECT id FROM pupil ORDER BY id")]
            slots = [r["id"] for r in await conn.fetch("SELECT id FROM slot ORDER BY id")]
            web_pupils = pupils[counted + WARM_UP + args.pupils :]
            users = await conn.fetch(SEED_SQL["users"], web_pupils)
            links = [secrets.token_urlsafe(32) for _ in users]
            await conn.execute(
                SEED_SQL["links"], [hash_secret(raw) for raw in links], [u["id"] for u in users]
            )
            history = {"school": school, "pupils": args.pupils}
            for statement, names in HISTORY_SQL:
                await conn.execute(statement, *(history[name] for name in names))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await init_db(settings)
    try:
        _, token = await create_api_token("rusning", school=await School.get(id=school))
    finally:
        await close_db()
    return World(
        token=token,
        counted=pupils[:counted],
        warm_up=pupils[counted : counted + WARM_UP],
        rush=pupils[counted + WARM_UP : counted + WARM_UP + args.pupils],
        web=[(u["pupil_id"], raw) for u, raw in zip(users, links, strict=True)],
        slots=slots,
        places=places,
    )


def choices(slots: list[int], count: int, seed: int) -> list[int]:
    """Each pupil's slot: popular ones first, a skewed choice as in a real rush."""
    weights = [1 / (i + 1) ** 0.8 for i in range(len(slots))]
    return random.Random(seed).choices(slots, weights=weights, k=count)


async def reset(database_url: str) -> None:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        for sql in RESET_SQL:
            await conn.execute(sql)
    finally:
        await conn.close()
    await quiesce(database_url)


async def quiesce(database_url: str) -> None:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        for sql in QUIESCE_SQL:
            try:
                await conn.execute(sql)
            except asyncpg.InsufficientPrivilegeError:
                print(f"  (not allowed to run {sql}: the figures may include its work)")
    finally:
        await conn.close()


@dataclass
class Check:
    """The database after a rush."""

    overbooked: int
    drift: int  # slots whose `taken` is not their active bookings
    doubles: int  # pupils with two active bookings in the period
    bookings: int
    events: int
    messages: int

    @property
    def ok(self) -> bool:
        return not (self.overbooked or self.drift or self.doubles)


async def check(database_url: str) -> Check:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        row = await conn.fetchrow(
            """WITH active AS (SELECT slot_id, count(*) AS n FROM booking
                                WHERE status IN ('pending', 'confirmed') GROUP BY slot_id)
            SELECT
              (SELECT count(*) FROM slot s JOIN active a ON a.slot_id = s.id
                WHERE a.n > s.capacity) AS overbooked,
              (SELECT count(*) FROM slot s LEFT JOIN active a ON a.slot_id = s.id
                WHERE s.taken <> coalesce(a.n, 0)) AS drift,
              (SELECT count(*) FROM (SELECT 1 FROM booking WHERE status IN ('pending',
                'confirmed') GROUP BY pupil_id, period_id HAVING count(*) > 1) d) AS doubles,
              (SELECT count(*) FROM booking WHERE period_id IN (RUSH)) AS bookings,
              (SELECT count(*) FROM outbox_event) AS events,
              (SELECT count(*) FROM outbox_message) AS messages""".replace("RUSH", RUSH_PERIODS)
        )
        assert row is not None
        return Check(**{k: int(v) for k, v in row.items()})
    finally:
        await conn.close()


# --- servers ------------------------------------------------------------------------------------


def floor_server(database_url: str, workers: int) -> CommandServer:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "bench.floor_server:app", "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    env = {"FLOOR_DATABASE_URL": database_url, "PYTHONPATH": str(BENCH.parent)}
    return CommandServer(argv, port, ready_path="/", env=env)


ServerFactory = Callable[[str], AbstractAsyncContextManager[CommandServer]]


def prao_server(workers: int, budget: int, redis_url: str | None) -> ServerFactory:
    env = {"RATE_LIMIT_POINTS": str(budget), "SECRET_KEY": SECRET_KEY}

    def start(database_url: str) -> AbstractAsyncContextManager[CommandServer]:
        return Server(database_url, workers=workers, env=env, redis_url=redis_url)

    return start


def floor_factory(workers: int) -> ServerFactory:
    def start(database_url: str) -> AbstractAsyncContextManager[CommandServer]:
        return floor_server(database_url, workers)

    return start


async def flush_redis(redis_url: str | None) -> None:
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()


# --- GraphQL over httpx: warm-up and counted runs (few requests) --------------------------------


def graphql_body(pupil: int, slot: int) -> dict[str, object]:
    variables = {"input": {"slotId": global_id("Slot", slot), "pupilId": global_id("Pupil", pupil)}}
    return {"query": BOOK, "variables": variables}


async def book(client: httpx.AsyncClient, pupil: int, slot: int) -> tuple[str, httpx.Response]:
    response = await client.post("/graphql", json=graphql_body(pupil, slot))
    if response.status_code != 200:
        return f"HTTP {response.status_code}", response
    payload = response.json()
    if payload.get("errors"):
        return f"error {payload['errors'][0].get('message')}", response
    errors = payload["data"]["bookSlot"]["errors"]
    return (str(errors[0]["code"]) if errors else "BOOKED"), response


def api_client(url: str, token: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=60)


async def warm_up(url: str, token: str, pupils: list[int], slots: list[int]) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    gate = asyncio.Semaphore(20)
    async with api_client(url, token) as client:

        async def one(pupil: int, slot: int) -> None:
            async with gate:
                outcomes[(await book(client, pupil, slot))[0]] += 1

        await asyncio.gather(*(one(p, s) for p, s in zip(pupils, slots, strict=True)))
    return outcomes


async def warm(srv: CommandServer, world: World, slots: list[int]) -> None:
    warmed = await warm_up(srv.url, world.token, world.warm_up, slots)
    if set(warmed) - {"BOOKED", "SLOT_FULL"}:
        raise SystemExit(f"warm-up failed: {dict(warmed)}")


@dataclass
class Statements:
    kinds: Counter[str]
    bookings: int
    cost: int | None  # rate-limit points one bookSlot used (Prao's X-RateLimit-Used)

    @property
    def per_booking(self) -> float:
        return sum(self.kinds.values()) / self.bookings

    def describe(self) -> str:
        kinds = ", ".join(
            f"{k.rstrip(';')} {n / self.bookings:g}" for k, n in self.kinds.most_common()
        )
        return f"{self.per_booking:.1f} ({kinds})"


async def count_statements(
    database_url: str, start: ServerFactory, token: str, pupils: list[int], slots: list[int]
) -> Statements:
    """Sequential bookings, each into a slot of its own; the first three are not counted."""
    used: list[int] = []
    async with (
        StatementCounter(database_url) as counter,
        start(counter.url) as srv,
        api_client(srv.url, token) as client,
    ):
        for i, (pupil, slot) in enumerate(zip(pupils, slots, strict=True)):
            if i == 3:
                counter.reset()
            outcome, response = await book(client, pupil, slot)
            if outcome != "BOOKED":
                raise SystemExit(f"statement count: a booking was refused: {outcome}")
            if header := response.headers.get("X-RateLimit-Used"):
                used.append(int(header))
        await asyncio.sleep(0.2)  # statements after the answer (background work) count too
    cost = used[-1] - used[-2] if len(used) > 1 else None
    return Statements(Counter(counter.kinds), len(pupils) - 3, cost)


# --- the web: signing pupils in as they do ---------------------------------------------------


class NoCookies(http.cookiejar.DefaultCookiePolicy):
    """One client signs in many pupils: each one's cookie is carried by hand, never shared."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


def session_of(response: httpx.Response, current: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if match := SESSION_RE.match(header):
            return match.group(1)
    return current


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    if match is None:
        raise SystemExit("sign-in: a page without a CSRF token")
    return match.group(1)


async def sign_in(url: str, pupils: list[tuple[int, str]], slots: list[int]) -> list[str]:
    """Each pupil opens her sign-in link, presses the button, then opens the slot she wants;
    the lines for wrk: the slot's form post with her session cookie and the page's token."""
    gate = asyncio.Semaphore(16)
    jar = http.cookiejar.CookieJar(policy=NoCookies())

    async def one(client: httpx.AsyncClient, raw: str, slot: int) -> str:
        async with gate:
            page = await client.get(f"/logga-in/{raw}")
            session = session_of(page, "")
            done = await client.post(
                f"/logga-in/{raw}",
                data={"csrf_token": csrf_of(page.text)},
                headers={"Cookie": f"{SESSION_COOKIE}={session}"},
            )
            if done.status_code != 303:
                raise SystemExit(f"sign-in refused: HTTP {done.status_code}")
            session = session_of(done, session)
            slot_page = await client.get(
                f"/platser/{slot}", headers={"Cookie": f"{SESSION_COOKIE}={session}"}
            )
            if slot_page.status_code != 200:
                raise SystemExit(f"slot page: HTTP {slot_page.status_code}")
            session = session_of(slot_page, session)
            token = quote(csrf_of(slot_page.text), safe="")
            return f"/platser/{slot}/boka\t{SESSION_COOKIE}={session}\tcsrf_token={token}"

    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them under
    # a request (httpx.ReadError on a busy machine).
    limits = httpx.Limits(keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, cookies=jar, timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(one(client, raw, slot) for (_, raw), slot in zip(pupils, slots, strict=True))
            )
        )


# --- the rush ----------------------------------------------------------------------------------


@dataclass
class Rush:
    label: str
    requests: int = 0
    elapsed: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    socket_errors: Counter[str] = field(default_factory=Counter)
    resent: int = 0
    drained: bool = False
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    steal: float = 0.0  # the share of the machine's CPU time the host took for others
    load: float = 0.0
    peak_rss: int = 0
    check: Check | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def errors(self) -> Counter[str]:
        found = Counter(
            {k: n for k, n in self.outcomes.items() if k != "BOOKED" and k not in EXPECTED_REFUSALS}
        )
        for kind, count in self.socket_errors.items():
            if count:
                found[f"socket {kind}"] += count
        return found

    @property
    def throttled(self) -> int:
        return sum(n for k, n in self.outcomes.items() if "429" in k or "RATE_LIMITED" in k)


def stolen(before: Any, after: Any) -> float:
    """The share of CPU time the hypervisor gave to other machines (0 where not reported)."""
    total = float(sum(after) - sum(before))
    steal = float(getattr(after, "steal", 0.0) - getattr(before, "steal", 0.0))
    return steal / max(total, 1e-9)


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process on this machine (other users' work included)."""
    found: dict[int, float] = {}
    for proc in psutil.process_iter(["name", "cpu_times"]):
        if proc.info["name"] == "postgres" and proc.info["cpu_times"] is not None:
            found[proc.pid] = proc.info["cpu_times"].user + proc.info["cpu_times"].system
    return found


async def settle(srv: CommandServer) -> None:
    """Wait until the server is idle: when time ran out, requests wrk left unanswered are still
    being served, and the database must not be checked or reset under them."""
    for _ in range(600):
        before = cpu_seconds(srv.proc.pid)
        await asyncio.sleep(0.25)
        if cpu_seconds(srv.proc.pid) - before < 0.005:
            return


def run_wrk(argv: list[str], threads: int) -> tuple[list[str], float | None, float]:
    """wrk's "@" lines, the seconds from the first request to the last answer when every pupil
    was answered (else None: wrk ran its full duration), and wrk's CPU seconds."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    go: float | None = None
    drained = 0
    elapsed: float | None = None
    for line in proc.stdout:
        word = line.strip()
        if word == "go" and go is None:
            go = time.perf_counter()
        elif word == "drained":
            drained += 1
            if drained == threads and go is not None:
                elapsed = time.perf_counter() - go
                proc.send_signal(signal.SIGINT)  # wrk stops sleeping and reports
        else:
            lines.append(line.rstrip("\n"))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n" + "\n".join(lines[-20:]))
    return lines, elapsed, usage.ru_utime + usage.ru_stime


async def rush(
    label: str,
    srv: CommandServer,
    lines: Sequence[str],
    mode: str,
    headers: Sequence[str],
    args: argparse.Namespace,
) -> Rush:
    result = Rush(label)
    with tempfile.TemporaryDirectory(prefix="booking_rush_") as tmp:
        path = Path(tmp) / "requests.tsv"
        path.write_text("\n".join(lines) + "\n")
        argv = ["wrk", "-t", str(args.threads), "-c", str(args.concurrency)]
        argv += ["-d", f"{args.seconds}s", "--timeout", "60s", "-s", str(LUA)]
        for header in headers:
            argv += ["-H", header]
        argv += [f"{srv.url}{'/graphql' if mode == 'graphql' else '/'}", "--"]
        argv += [str(path), mode, str(args.threads)]
        server_before = cpu_seconds(srv.proc.pid)
        database_before = postgres_cpu()
        machine_before = psutil.cpu_times()
        output, elapsed, result.client_cpu = await asyncio.to_thread(run_wrk, argv, args.threads)
        result.steal = stolen(machine_before, psutil.cpu_times())
        result.server_cpu = cpu_seconds(srv.proc.pid) - server_before
        after = postgres_cpu()
        result.database_cpu = sum(cpu - database_before.get(pid, 0.0) for pid, cpu in after.items())
    result.load = os.getloadavg()[0]
    result.peak_rss = srv.peak_rss
    await settle(srv)
    for line in output:
        if not line.startswith("@ "):
            continue
        words = line[2:].split(" ", 2)
        if words[0] == "requests":
            result.requests = int(words[1])
        elif words[0] == "duration_us":
            wrk_seconds = int(words[1]) / 1e6
        elif words[0] == "resent":
            result.resent = int(words[1])
        elif words[0] == "socket":
            result.socket_errors[words[1]] = int(words[2])
        elif words[0] == "latency_us":
            result.latency_ms[words[1]] = int(words[2]) / 1000
        elif words[0] == "outcome":
            result.outcomes[words[2]] = int(words[1])
    result.drained = elapsed is not None
    result.elapsed = elapsed if elapsed is not None else wrk_seconds
    return result


# --- report -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def goal(name: str, value: str, wanted: str, ok: bool) -> None:
    print(f"    {name:<24}{value:>10}   goal {wanted:<10} {verdict(ok)}")


def print_rush(r: Rush) -> None:
    booked = r.outcomes.get("BOOKED", 0)
    lat = r.latency_ms
    ended = "every pupil answered" if r.drained else "time ran out before every pupil was answered"
    print(f"  {r.label}")
    print(
        f"    {r.per_second:8.1f} req/s   {r.requests} requests in {r.elapsed:.1f} s ({ended});"
        f" {booked} booked"
    )
    print(
        f"    latency p50 {lat.get('p50', 0):.0f} ms, p90 {lat.get('p90', 0):.0f} ms,"
        f" p99 {lat.get('p99', 0):.0f} ms, max {lat.get('max', 0):.0f} ms"
    )
    print(f"    outcomes {dict(r.outcomes.most_common())}")
    errors = r.errors
    print(f"    errors   {dict(errors.most_common()) if errors else 'none'}")
    if r.resent:
        print(f"    {r.resent} requests sent again after socket errors (pupils asking twice)")
    per = max(r.requests, 1)
    print(
        f"    CPU per request: server {r.server_cpu / per * 1000:.2f} ms,"
        f" wrk {r.client_cpu / per * 1000:.3f} ms"
        f" ({r.client_cpu / max(r.server_cpu, 1e-9):.1%} of the server's),"
        f" PostgreSQL {r.database_cpu / per * 1000:.2f} ms (all its processes);"
        f" server peak RSS {r.peak_rss / 2**20:.0f} MiB; load average {r.load:.2f},"
        f" CPU stolen by the host {r.steal:.1%}"
    )
    if r.check is not None:
        c = r.check
        print(
            f"    database: {c.overbooked} overbooked slots, {c.drift} with taken ≠ active"
            f" bookings, {c.doubles} pupils booked twice; per booking"
            f" {c.events / max(c.bookings, 1):.2f} outbox events,"
            f" {c.messages / max(c.bookings, 1):.2f} outbox messages"
        )
    if r.throttled:
        print(
            f"    !!! {r.throttled} REQUESTS REFUSED BY THE RATE LIMIT (429): THIS FIGURE IS VOID"
        )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pupils", type=int, default=20_000, help="pupils of the GraphQL rush")
    parser.add_argument("--web-pupils", type=int, default=2_000, help="pupils of the web rush")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20, help="longest a rush may last")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, both servers")
    parser.add_argument("--capacity-ratio", type=float, default=0.8, help="places per pupil")
    parser.add_argument("--no-web", action="store_true", help="skip the web rush")
    parser.add_argument(
        "--no-graphql",
        action="store_true",
        help="skip Prao's GraphQL rush (the floor still runs, for the web rush's ratio)",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS), help="emptied!"
    )
    parser.add_argument("--no-redis", action="store_true", help="Prao's jobs in its process")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("booking rush: needs wrk (apt-get install wrk)")
    if min(args.pupils, args.web_pupils if not args.no_web else args.pupils) < args.concurrency:
        raise SystemExit("booking rush: fewer pupils than clients")
    if args.no_graphql and args.no_web:
        raise SystemExit("booking rush: --no-graphql with --no-web leaves nothing to measure")
    redis_url = None if args.no_redis else args.redis

    # Every API request of the run fits in Prao's budget, whatever minute it falls in. It is
    # the server's setting: the product has no per-token budget. No query costs more than
    # MAX_COST, so the counted run cannot be refused; the rushes get what a bookSlot costs.
    api_requests = 2 * (WARM_UP + COUNTED + 3) + args.pupils
    floor = floor_factory(args.workers)

    started = time.perf_counter()
    server = server_url()
    database_url = await create_database(server)
    try:
        await flush_redis(redis_url)
        world = await seed(database_url, args)
        print(
            f"booking rush: {args.pupils} pupils by GraphQL, {len(world.web)} by the web form,"
            f" {len(world.slots)} slots with {world.places} places, {args.concurrency} clients"
            f" (wrk, {args.threads} thread), {args.workers} uvicorn worker(s) each, PostgreSQL,"
            f" Prao's jobs {'to arq on Redis' if redis_url else 'in process'};"
            f" load average {os.getloadavg()[0]:.2f} at the start"
        )

        # Statements, sequentially, each booking into a slot of its own.
        n = COUNTED + 3
        quiet_slots = world.slots[::-1]
        prao_statements = await count_statements(
            database_url,
            prao_server(args.workers, MAX_COST * api_requests, redis_url),
            world.token,
            world.counted[:n],
            quiet_slots[:n],
        )
        floor_statements = await count_statements(
            database_url, floor, world.token, world.counted[n:], quiet_slots[n : 2 * n]
        )
        await flush_redis(redis_url)
        print(f"  statements per booking on the wire ({COUNTED} sequential bookings each)")
        print(
            f"    Prao  {prao_statements.describe()}   goal ≤ {GOAL_STATEMENTS}:"
            f" {verdict(prao_statements.per_booking <= GOAL_STATEMENTS)}"
        )
        print(f"    floor {floor_statements.describe()}")
        cost = prao_statements.cost or MAX_COST
        budget = cost * api_requests
        prao = prao_server(args.workers, budget, redis_url)
        print(
            f"  API budget: RATE_LIMIT_POINTS={budget:,} points a minute for every caller"
            f" ({cost} a bookSlot{' (X-RateLimit-Used)' if prao_statements.cost else ''}"
            f" × {api_requests:,}, every API request of the run); the product has no per-token"
            " budget, so the bench sets the server's"
        )

        rush_slots = choices(world.slots, len(world.rush), seed=1)
        warm_slots = choices(world.slots, WARM_UP, seed=2)
        graphql_lines = [
            f"/graphql\t\t{json.dumps(graphql_body(p, s), separators=(',', ':'))}"
            for p, s in zip(world.rush, rush_slots, strict=True)
        ]
        api_headers = [
            f"Authorization: Bearer {world.token}",
            "Content-Type: application/json",
            "Accept: application/json",
        ]
        web: Rush | None = None
        prao_rush: Rush | None = None
        signed = 0.0
        await reset(database_url)
        async with prao(database_url) as srv:
            await warm(srv, world, warm_slots)
            if not args.no_graphql:
                prao_rush = await rush(
                    "Prao bookSlot", srv, graphql_lines, "graphql", api_headers, args
                )
                prao_rush.check = await check(database_url)
            if not args.no_web:
                await reset(database_url)
                signing = time.perf_counter()
                web_lines = await sign_in(
                    srv.url, world.web, choices(world.slots, len(world.web), seed=3)
                )
                signed = time.perf_counter() - signing
                await quiesce(database_url)  # signing in changed accounts, links and sessions
                form = ["Content-Type: application/x-www-form-urlencoded"]
                web = await rush("Prao web form", srv, web_lines, "web", form, args)
                web.check = await check(database_url)
        # The floor books the pupils Prao had time for, so that both meet the same mix of
        # bookings and full slots (a refusal is cheaper than a booking); without a GraphQL rush,
        # as many as the web rush answered.
        answered = prao_rush.requests if prao_rush else web.requests if web else 0
        same = graphql_lines[: max(answered, 5 * args.concurrency)]
        await reset(database_url)
        async with floor(database_url) as srv:
            await warm(srv, world, warm_slots)
            floor_rush = await rush("floor", srv, same, "graphql", api_headers, args)
            floor_rush.check = await check(database_url)
        print(
            f"  GraphQL rush (one request a pupil; the floor books the {len(same)} pupils"
            " Prao answered, in the same order)"
        )
        print_rush(floor_rush)
        if prao_rush is not None:
            print_rush(prao_rush)
        if web is not None:
            print(
                f"  web rush ({len(world.web)} pupils signed in beforehand over HTTP,"
                f" {signed:.0f} s; each posts the booking form once; 303 = booked)"
            )
            print_rush(web)
    finally:
        await flush_redis(redis_url)
        await drop_database(server, database_url)

    rushes = [r for r in (floor_rush, prao_rush, web) if r is not None]
    over = sum(r.check.overbooked + r.check.drift + r.check.doubles for r in rushes if r.check)
    share = max(r.client_cpu / max(r.server_cpu, 1e-9) for r in rushes)
    print(f"  goals (noisy when the machine is shared: load average {os.getloadavg()[0]:.2f})")
    if prao_rush is not None:
        ratio = prao_rush.per_second / max(floor_rush.per_second, 1e-9)
        p99 = prao_rush.latency_ms.get("p99", 0.0)
        goal("bookSlot ÷ floor", f"{ratio:.2f}×", f"≥ {GOAL_RATIO}", ratio >= GOAL_RATIO)
        goal("bookSlot p99", f"{p99:.0f} ms", f"< {GOAL_P99_MS} ms", p99 < GOAL_P99_MS)
    if web is not None:
        web_ratio = web.per_second / max(floor_rush.per_second, 1e-9)
        goal("web booking ÷ floor", f"{web_ratio:.2f}×", f"≥ {GOAL_RATIO}", web_ratio >= GOAL_RATIO)
    goal("overbooked or drifted", str(over), "0", over == 0)
    per_booking = prao_statements.per_booking
    goal(
        "statements per booking",
        f"{per_booking:.1f}",
        f"≤ {GOAL_STATEMENTS}",
        per_booking <= GOAL_STATEMENTS,
    )
    goal(
        "wrk CPU ÷ server CPU",
        f"{share:.1%}",
        f"< {GOAL_CLIENT_SHARE:.0%}",
        share < GOAL_CLIENT_SHARE,
    )
    print(f"  ({time.perf_counter() - started:.0f} s in all)")
    throttled = sum(r.throttled for r in rushes)
    if throttled:
        print(f"!!! {throttled} requests were refused by the rate limit: the figures are void")
    failed = sum(sum(r.errors.values()) for r in rushes)
    return 1 if over or throttled or failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
