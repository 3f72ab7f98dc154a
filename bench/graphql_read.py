"""GraphQL read throughput: concurrent API clients (an organiser-wide read token) page through
slots with their employers, and through recently changed bookings with pupil and slot, against
a server on PostgreSQL; PostGraphile 4 answers the same two pages over the same database (its
bookings page without a sync filter), in slices alternating with ours so that other load on the
machine falls on both alike.

Prints requests per second, latency, errors, peak memory and CPU per phase (also per request);
SQL statements per request, counted on the wire by a proxy in front of PostgreSQL during a
separate, sequential run; and our throughput on each page as a ratio of PostGraphile's, beside
the goal. Exits non-zero if any request failed. The database is created for the run and dropped
afterwards, also on errors and Ctrl-C.

    python bench/graphql_read.py [--slots 20000] [--bookings 50000] [--clients 16]
                                 [--seconds 15] [--workers 2] [--no-postgraphile]
                                 [--show-statements]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    POOL_RESET,
    CommandServer,
    LoadResult,
    Server,
    StatementCounter,
    closed_loop,
    cpu_seconds,
    create_database,
    drop_database,
    free_port,
    percentile,
    server_url,
)
from prao import clock  # noqa: E402
from prao.auth import create_api_token  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import POSTGRES_POOL_MAX, close_db, init_db, migrate  # noqa: E402
from prao.models import Organiser  # noqa: E402

PAGE = 100
SCHOOLS = 20
SLOTS_PER_EMPLOYER = 10
CITIES = ["Varberg", "Falkenberg", "Halmstad", "Kungsbacka", "Laholm", "Hylte"]
TRADES = ["Vård", "Handel", "Bygg", "IT", "Restaurang", "Industri", "Skola", "Transport"]
# How many statements-per-request samples to take, each at a different page.
COUNTED_REQUESTS = 20

SLOTS = """query Slots($after: String) {
  slots(first: 100, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes { id title city trade startDate endDate capacity placesLeft status
            employer { id name city } }
  }
}"""

BOOKINGS = """query Bookings($after: String, $since: DateTime!) {
  bookings(first: 100, after: $after, updatedSince: $since) {
    pageInfo { endCursor hasNextPage }
    syncedUntil
    nodes { id status updatedAt
            pupil { id firstName lastName className }
            slot { id title startDate endDate } }
  }
}"""

# The same page in PostGraphile's generated schema: `taken` stands in for `placesLeft`.
PG_SLOTS = """query Slots($after: Cursor) {
  allSlots(first: 100, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes { id title city trade startDate endDate capacity taken status
            employerByEmployerId { id name city } }
  }
}"""

# The bookings page in PostGraphile's schema: the same fields with pupil and slot, paged by key
# (PostGraphile has no updatedSince filter, no sync horizon and no audit of the pupils read).
PG_BOOKINGS = """query Bookings($after: Cursor) {
  allBookings(first: 100, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes { id status updatedAt
            pupilByPupilId { id firstName lastName className }
            slotBySlotId { id title startDate endDate } }
  }
}"""

# Goals of the issue, as ratios of PostGraphile measured in the same run.
SLOTS_GOAL = 1.0
BOOKINGS_GOAL = 0.7


@dataclass(frozen=True)
class Page:
    """One GraphQL list query and where its connection sits in the response."""

    label: str
    query: str
    field: str
    variables: dict[str, Any]


# --- seeding -------------------------------------------------------------------------------

SEED_SQL = [
    """INSERT INTO school (organiser_id, name, created_at)
       SELECT $1, 'Skola ' || i, now() FROM generate_series(1, $2) i""",
    """INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at,
         booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy,
         created_at, updated_at)
       SELECT id, 'Prao vecka 10-11', 8, current_date + 42, current_date + 53,
         now() - interval '40 days', now() + interval '10 days', now() + interval '5 days',
         'first_come', 5, 'convex', now(), now()
       FROM school WHERE organiser_id = $1""",
    """INSERT INTO employer (organiser_id, name, org_number, contact_email, address, city,
         status, decline_reason, decided_by, created_at, updated_at)
       SELECT $1, 'Företag ' || i || ' AB', NULL, 'kontakt' || i || '@example.se',
         'Storgatan ' || i, ($3::text[])[1 + i % array_length($3::text[], 1)], 'approved', '',
         '', now(), now()
       FROM generate_series(1, $2) i""",
    # Capacity is set from the bookings below; 0/0 satisfies the check constraint meanwhile.
    """INSERT INTO slot (employer_id, title, description, tasks, address, city, trade,
         start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken,
         min_age, visible_to_all, status, requires_approval, created_at, updated_at)
       SELECT e.first + (i - 1) / $2, 'Praoplats ' || i,
         'Följ med en handledare under en vanlig arbetsdag.', 'Hjälpa till i det dagliga arbetet.',
         'Storgatan ' || i, ($3::text[])[1 + i % array_length($3::text[], 1)],
         ($4::text[])[1 + i % array_length($4::text[], 1)],
         current_date + 42, current_date + 53, 480, 840, 30, 0, 0, 0, true,
         CASE WHEN i % 50 = 0 THEN 'closed' ELSE 'published' END, i % 7 = 0,
         now() - interval '60 days', now() - (i % 1440) * interval '1 minute'
       FROM generate_series(1, $1) i,
         (SELECT min(id) AS first FROM employer WHERE organiser_id = $5) e""",
    # One booking per pupil, so "one active booking per pupil and period" holds.
    """INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, email,
         birth_date, security_marking, external_id, created_at, updated_at)
       SELECT s.first + (i - 1) % $2, 'Elev' || i, 'Efternamn' || (i % 997), 8,
         '8' || chr(65 + i % 4), NULL, NULL, false, 'p' || i, now(), now()
       FROM generate_series(1, $1) i,
         (SELECT min(id) AS first FROM school WHERE organiser_id = $3) s""",
    # Slots are spread by a stride coprime with their count: every slot gets 2 or 3 bookings.
    # updated_at spreads over the last 30 days, so updatedSince picks out a part.
    """INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_at,
         updated_at, decided_at, cancelled_at)
       SELECT p.id, sl.first + ((p.n - 1) * 7919) % $1, pe.id,
         CASE p.n % 20 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'pending' ELSE 'confirmed' END,
         'api', '', now() - interval '31 days',
         now() - interval '30 days' + ((p.n * 37) % 43000) * interval '1 minute',
         CASE WHEN p.n % 20 > 1 THEN now() - interval '30 days' END,
         CASE WHEN p.n % 20 = 0 THEN now() - interval '30 days' END
       FROM (SELECT id, school_id, row_number() OVER (ORDER BY id) AS n FROM pupil) p
         JOIN period pe ON pe.school_id = p.school_id,
         (SELECT min(id) AS first FROM slot) sl""",
    # taken = active bookings; some slots have a place or two left.
    """UPDATE slot SET taken = b.active, capacity = greatest(b.active + slot.id % 3, 1)
       FROM (SELECT s.id, count(bk.id) FILTER (WHERE bk.status IN ('pending', 'confirmed'))
               AS active
             FROM slot s LEFT JOIN booking bk ON bk.slot_id = s.id GROUP BY s.id) b
       WHERE b.id = slot.id""",
]


def pg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def seed(database_url: str, slots: int, bookings: int) -> tuple[str, float]:
    """Bulk rows in SQL, then a read-only organiser-wide token. Returns it and the seconds."""
    settings = dataclasses.replace(load_settings(), database_url=database_url)
    await migrate(settings)
    started = time.perf_counter()
    employers = max(1, -(-slots // SLOTS_PER_EMPLOYER))
    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        async with conn.transaction():
            org = await conn.fetchval(
                "INSERT INTO organiser (name, created_at) VALUES ('Benchmark kommun', now())"
                " RETURNING id"
            )
            await conn.execute(SEED_SQL[0], org, SCHOOLS)
            await conn.execute(SEED_SQL[1], org)
            await conn.execute(SEED_SQL[2], org, employers, CITIES)
            await conn.execute(SEED_SQL[3], slots, SLOTS_PER_EMPLOYER, CITIES, TRADES, org)
            await conn.execute(SEED_SQL[4], bookings, SCHOOLS, org)
            await conn.execute(SEED_SQL[5], slots)
            await conn.execute(SEED_SQL[6])
        await conn.execute("ANALYZE")  # as autovacuum would have done on a live database
    finally:
        await conn.close()
    await init_db(settings)
    try:
        _, raw = await create_api_token("bench", organiser=await Organiser.get(id=org))
    finally:
        await close_db()
    return raw, time.perf_counter() - started


async def check_seed(database_url: str, since: datetime) -> dict[str, int]:
    conn = await asyncpg.connect(pg_dsn(database_url))
    try:
        drift = await conn.fetchval(
            "SELECT count(*) FROM slot s WHERE s.taken <> (SELECT count(*) FROM booking b"
            " WHERE b.slot_id = s.id AND b.status IN ('pending','confirmed'))"
            " OR s.taken > s.capacity"
        )
        if drift:
            raise SystemExit(f"seed is inconsistent: {drift} slots with wrong taken")
        return {
            "slots": await conn.fetchval("SELECT count(*) FROM slot"),
            "bookings": await conn.fetchval("SELECT count(*) FROM booking"),
            "changed": await conn.fetchval(
                "SELECT count(*) FROM booking WHERE updated_at >= $1", since
            ),
        }
    finally:
        await conn.close()


# --- clients --------------------------------------------------------------------------------


def page_problem(response: httpx.Response, field: str) -> tuple[str | None, dict[str, Any]]:
    """What is wrong with a page answer, or None; and the connection when it is right."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:100]}", {}
    payload = response.json()
    if payload.get("errors"):
        return f"GraphQL error: {payload['errors'][0].get('message')}", {}
    conn: dict[str, Any] = payload["data"][field]
    if conn["pageInfo"]["hasNextPage"] and len(conn["nodes"]) != PAGE:
        return f"short page: {len(conn['nodes'])} nodes", {}
    return None, conn


async def walk(client: httpx.AsyncClient, page: Page, max_pages: int) -> tuple[list[str], int]:
    """Page from the start, one request at a time: the end cursors seen and the nodes read.
    Warms the server up and gives each client a different starting page."""
    cursors: list[str] = []
    nodes = 0
    after: str | None = None
    for _ in range(max_pages):
        response = await client.post(
            "/graphql", json={"query": page.query, "variables": {**page.variables, "after": after}}
        )
        problem, conn = page_problem(response, page.field)
        if problem is not None:
            raise SystemExit(f"{page.label}: warm-up request failed: {problem}")
        nodes += len(conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        cursors.append(after)
    return cursors, nodes


class Walkers:
    """`clients` clients, each walking the list page by page from its own starting page and
    wrapping around at the end, so concurrent requests ask for different pages."""

    def __init__(
        self, url: str, headers: dict[str, str], page: Page, clients: int, starts: list[str]
    ) -> None:
        self.page = page
        self.http = [
            httpx.AsyncClient(base_url=url, headers=headers, timeout=60) for _ in range(clients)
        ]
        spread: list[str | None] = [None, *starts]
        self.after = [spread[i * len(spread) // clients] for i in range(clients)]

    async def request(self, index: int) -> str | None:
        variables = {**self.page.variables, "after": self.after[index]}
        response = await self.http[index].post(
            "/graphql", json={"query": self.page.query, "variables": variables}
        )
        problem, conn = page_problem(response, self.page.field)
        if problem is None:
            info = conn["pageInfo"]
            self.after[index] = info["endCursor"] if info["hasNextPage"] else None
        return problem

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.http))


class Phase:
    """One page under load against one server, measured in one or more slices; CPU is taken
    per slice for the server, this client process, and the database's backends."""

    def __init__(
        self,
        srv: Server | CommandServer,
        headers: dict[str, str],
        page: Page,
        args: argparse.Namespace,
        database: str,
    ) -> None:
        self.srv, self.headers, self.page, self.args = srv, headers, page, args
        self.database = database
        self.label = page.label
        self.load = LoadResult()
        self.cpu: Counter[str] = Counter()  # CPU seconds by process group
        self.walked = 0  # nodes read by the warm-up walk
        self.warmup_errors: Counter[str] = Counter()
        self.walkers: Walkers | None = None

    async def prepare(self) -> None:
        """Walk the list one page at a time, then warm up concurrently, not measured:
        connection pools fill, JIT and caches settle."""
        async with httpx.AsyncClient(
            base_url=self.srv.url, headers=self.headers, timeout=60
        ) as client:
            starts, self.walked = await walk(client, self.page, self.args.warmup_pages)
        self.walkers = Walkers(self.srv.url, self.headers, self.page, self.args.clients, starts)
        args = self.args
        warmup = await closed_loop(args.clients, args.warmup_seconds, self.walkers.request)
        self.warmup_errors = warmup.errors

    def _cpu(self) -> dict[str, float]:
        return {
            "server": cpu_seconds(self.srv.proc.pid),
            "client": cpu_seconds(os.getpid(), children=False),
            "database": database_cpu_seconds(self.database),
        }

    async def measure(self, seconds: float) -> None:
        assert self.walkers is not None
        before = self._cpu()
        load = await closed_loop(self.args.clients, seconds, self.walkers.request)
        after = self._cpu()
        self.cpu.update({k: after[k] - before[k] for k in after})
        self.load.latencies += load.latencies
        self.load.errors.update(load.errors)
        self.load.elapsed += load.elapsed

    def cpu_share(self, group: str) -> float:
        """CPU seconds per second measured: 1.0 is one core kept busy."""
        return self.cpu[group] / self.load.elapsed if self.load.elapsed else 0.0

    def cpu_per_request(self, group: str) -> float:
        """CPU seconds per answered request: the figure that other load on the machine
        disturbs least."""
        answered = len(self.load.latencies) + self.load.error_count
        return self.cpu[group] / answered if answered else 0.0

    @property
    def peak_rss(self) -> int:
        return self.srv.peak_rss

    async def close(self) -> None:
        if self.walkers is not None:
            await self.walkers.close()


def database_cpu_seconds(database: str) -> float:
    """CPU used so far by the PostgreSQL backends serving `database` (found by process title);
    a backend that has exited since is no longer counted, so take differences over short spans
    with a steady connection pool."""
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres: ") and f" {database} " in title:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


async def count_statements(
    url: str, headers: dict[str, str], page: Page, counter: StatementCounter
) -> Counter[str]:
    """Statements by kind over COUNTED_REQUESTS requests for pages spread across the list."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        starts, _ = await walk(client, page, 40)
        picks: list[str | None] = [None, *starts]
        picks = [picks[i * len(picks) // COUNTED_REQUESTS] for i in range(COUNTED_REQUESTS)]
        counter.reset()
        for after in picks:
            mark = len(counter.texts or [])
            response = await client.post(
                "/graphql",
                json={"query": page.query, "variables": {**page.variables, "after": after}},
            )
            problem, _ = page_problem(response, page.field)
            if problem is not None:
                raise SystemExit(f"{page.label}: counted request failed: {problem}")
        if counter.texts is not None:  # the last request's statements
            print(f"SQL of one {page.label} request:")
            for sql in counter.texts[mark:]:
                print("   ", " ".join(sql.split())[:300])
    return Counter(counter.kinds)


# --- servers --------------------------------------------------------------------------------

PRAO_ENV = {"RATE_LIMIT_POINTS": "0"}  # 0 = unlimited: the benchmark must not be throttled


def postgraphile_binary() -> tuple[str | None, str]:
    """The installed PostGraphile 4 CLI (fetched by npx on first use), or None and why not."""
    try:
        found = subprocess.run(
            ["npx", "--yes", "-p", "postgraphile@4", "-c", "command -v postgraphile"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd="/tmp",
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"npx failed: {exc}"
    path = found.stdout.strip().splitlines()[-1] if found.stdout.strip() else ""
    if found.returncode != 0 or not path:
        return None, f"npx failed: {found.stderr.strip()[-300:]}"
    return path, ""


def postgraphile(binary: str, database_url: str) -> CommandServer:
    port = free_port()
    argv = [
        binary,
        "-c",
        pg_dsn(database_url),
        "--schema",
        "public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-pool-size",
        str(POSTGRES_POOL_MAX),  # the same pool size as ours
        "--disable-query-log",
        "--disable-graphiql",
    ]
    return CommandServer(argv, port, ready_path="/graphql", env={"NODE_ENV": "production"})


# --- the run --------------------------------------------------------------------------------


@dataclass
class Report:
    phases: list[Phase]
    statements: list[tuple[str, Counter[str]]]
    postgraphile_missing: str = ""


async def measure(
    database_url: str, token: str, since: datetime, args: argparse.Namespace
) -> Report:
    ours = {"Authorization": f"Bearer {token}"}
    slots = Page("prao slots(first:100)", SLOTS, "slots", {})
    bookings = Page(
        "prao bookings(first:100, updatedSince)", BOOKINGS, "bookings", {"since": since.isoformat()}
    )
    theirs = Page("PostGraphile allSlots(first:100)", PG_SLOTS, "allSlots", {})
    their_bookings = Page("PostGraphile allBookings(first:100)", PG_BOOKINGS, "allBookings", {})
    report = Report([], [])

    binary: str | None = None
    if args.no_postgraphile:
        report.postgraphile_missing = "skipped (--no-postgraphile)"
    else:
        binary, why = postgraphile_binary()
        report.postgraphile_missing = why

    async with StatementCounter(database_url, keep_text=args.show_statements) as counter:
        async with Server(counter.url, workers=args.workers, env=PRAO_ENV) as srv:
            for page in (slots, bookings):
                kinds = await count_statements(srv.url, ours, page, counter)
                report.statements.append((page.label, kinds))
        if binary is not None:
            try:
                async with postgraphile(binary, counter.url) as pg:
                    for their_page in (theirs, their_bookings):
                        kinds = await count_statements(pg.url, {}, their_page, counter)
                        report.statements.append((their_page.label, kinds))
            except RuntimeError as exc:
                binary = None
                report.postgraphile_missing = str(exc)[:300]

    # A fresh pair of servers per page, so each phase's peak memory is its own. Ours and
    # PostGraphile alternate in slices, so that other load on the machine falls on both alike.
    database = urlparse(database_url).path.lstrip("/")
    for our_page, their_page in ((slots, theirs), (bookings, their_bookings)):
        async with AsyncExitStack() as stack:
            srv = await stack.enter_async_context(
                Server(database_url, workers=args.workers, env=PRAO_ENV)
            )
            phases = [Phase(srv, ours, our_page, args, database)]
            if binary is not None:
                pg = await stack.enter_async_context(postgraphile(binary, database_url))
                phases.append(Phase(pg, {}, their_page, args, database))
            for phase in phases:
                stack.push_async_callback(phase.close)
                await phase.prepare()
            for _ in range(args.slices):
                for phase in phases:
                    await phase.measure(args.seconds / args.slices)
            report.phases += phases
    return report


def print_report(report: Report, counts: dict[str, int], args: argparse.Namespace) -> None:
    print(
        f"graphql read: {counts['slots']} slots, {counts['bookings']} bookings"
        f" ({counts['changed']} changed since updatedSince), {args.clients} clients"
        f" x {args.seconds:g} s per phase after {args.warmup_seconds:g} s warm-up (each"
        f" page's phases alternating in {args.slices} slices), {args.workers} server worker(s),"
        f" PostgreSQL, {os.cpu_count()} CPUs shared by clients, server and database"
    )
    print(
        f"  {'phase':<40} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
        f" {'peak RSS MiB':>12} {'CPU: server':>11} {'db':>7} {'client':>7}"
        f" {'server ms/req':>13} {'db ms/req':>9}"
    )
    for phase in report.phases:
        lat = phase.load.latencies
        print(
            f"  {phase.label:<40} {phase.load.per_second:7.1f}"
            f" {percentile(lat, 50) * 1000:7.1f} {percentile(lat, 99) * 1000:7.1f}"
            f" {phase.load.error_count:6d} {phase.peak_rss / 2**20:12.1f}"
            f" {phase.cpu_share('server'):11.0%} {phase.cpu_share('database'):7.0%}"
            f" {phase.cpu_share('client'):7.0%}"
            f" {phase.cpu_per_request('server') * 1000:13.2f}"
            f" {phase.cpu_per_request('database') * 1000:9.2f}"
        )
        for problem, n in phase.load.errors.most_common(3):
            print(f"      {n} x {problem}")
        for problem, n in phase.warmup_errors.most_common(3):
            print(f"      {n} x {problem} (during warm-up)")
    walked = ", ".join(f"{p.label.split('(')[0]} {p.walked}" for p in report.phases)
    print(f"  nodes read by the warm-up walk from page 1: {walked}")
    print(
        "  SQL statements per request, counted on the wire by a proxy (every Query and Execute"
        f" message; mean of {COUNTED_REQUESTS} requests at different pages):"
    )
    print(f"    {'':<40} {'queries':>7} {'+ ' + POOL_RESET + 's':>16}  by kind")
    for label, kinds in report.statements:
        resets = kinds[POOL_RESET] / COUNTED_REQUESTS
        queries = sum(n for k, n in kinds.items() if k != POOL_RESET) / COUNTED_REQUESTS
        detail = ", ".join(
            f"{kind} {n / COUNTED_REQUESTS:.2f}"
            for kind, n in kinds.most_common()
            if kind != POOL_RESET
        )
        print(f"    {label:<40} {queries:7.2f} {resets:16.2f}  ({detail})")
    by_label = {p.label: p.load.per_second for p in report.phases}
    pairs = [
        ("slots page", "prao slots(first:100)", "PostGraphile allSlots(first:100)", SLOTS_GOAL),
        (
            "bookings-with-pupil page",
            "prao bookings(first:100, updatedSince)",
            "PostGraphile allBookings(first:100)",
            BOOKINGS_GOAL,
        ),
    ]
    if report.postgraphile_missing:
        print(f"  PostGraphile NOT MEASURED: {report.postgraphile_missing}")
    for name, our_label, their_label, goal in pairs:
        if report.postgraphile_missing:
            print(f"  ratio (ours/PostGraphile) on the {name}: n/a   goal >= {goal:.1f}")
            continue
        ratio = by_label[our_label] / by_label[their_label]
        verdict = "met" if ratio >= goal else "NOT met"
        print(
            f"  ratio (ours/PostGraphile) on the {name}: {ratio:.2f}"
            f"   goal >= {goal:.1f} with {args.workers} worker(s): {verdict}"
        )
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slots", type=int, default=20_000)
    parser.add_argument("--bookings", type=int, default=50_000, help="one pupil per booking")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured, per phase")
    parser.add_argument("--warmup-seconds", type=float, default=3.0)
    parser.add_argument(
        "--warmup-pages", type=int, default=250, help="pages walked one by one before a phase"
    )
    parser.add_argument(
        "--slices", type=int, default=3, help="the slots phases alternate this many times"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--no-postgraphile", action="store_true")
    parser.add_argument(
        "--show-statements", action="store_true", help="print the SQL of one request per page"
    )
    args = parser.parse_args()

    server = server_url()
    database_url = await create_database(server)
    try:
        token, seconds = await seed(database_url, args.slots, args.bookings)
        # Two thirds of the bookings changed in the last 20 days: a sync that has a lot to read.
        since = clock.now() - timedelta(days=20)
        counts = await check_seed(database_url, since)
        print(f"seeded in {seconds:.1f} s")
        report = await measure(database_url, token, since, args)
    finally:
        await drop_database(server, database_url)
    print_report(report, counts, args)
    failed = sum(p.load.error_count + sum(p.warmup_errors.values()) for p in report.phases)
    if failed:
        raise SystemExit(f"{failed} REQUESTS FAILED")


if __name__ == "__main__":
    asyncio.run(main())
