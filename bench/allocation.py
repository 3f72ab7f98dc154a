"""Allocation benchmark: generated instances in a fresh PostgreSQL database, solved with every
policy and compared with first-come greedy and deferred acceptance on the same instance.

    python bench/allocation.py                 # 1,000 and 10,000 pupils
    python bench/allocation.py --largest       # and 100,000
    python bench/allocation.py --sizes 5000    # any sizes

Each size runs in its own process, and the service path (dry run, then apply) of each in a
process of its own again, so the peak memory printed against the goal is the service's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import create_database, drop_database, server_url  # noqa: E402
from prao import clock  # noqa: E402
from prao.actor import Actor  # noqa: E402
from prao.allocation import data  # noqa: E402
from prao.allocation.baselines import deferred_acceptance, greedy  # noqa: E402
from prao.allocation.solver import POLICIES, Instance, Solution, solve  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import close_db, init_db, migrate  # noqa: E402
from prao.models import Organiser, Period, PeriodMode, Role, School  # noqa: E402

WISHES = 5
ZIPF = 0.8
SEED = 2026
# Issue 12's goals, for 100,000 pupils.
GOAL_PUPILS = 100_000
APPLY_GOAL_S = 5.0
END_TO_END_GOAL_S = 12.0
MEMORY_GOAL_MB = 600.0


def generate(pupils: int, rng: np.random.Generator) -> tuple[list[int], np.ndarray]:
    """Slot capacities 1–10 summing to 1.1 × pupils, and each pupil's 5 distinct wishes drawn
    with Zipf-like popularity (weight 1/k^0.8 for the k-th most popular slot)."""
    target = round(1.1 * pupils)
    capacities: list[int] = []
    while sum(capacities) < target:
        capacities.append(int(rng.integers(1, 11)))
    capacities[-1] -= sum(capacities) - target
    m = len(capacities)
    weights = 1.0 / np.arange(1, m + 1) ** ZIPF
    weights /= weights.sum()
    popularity = rng.permutation(m)  # popularity unrelated to size
    draws = rng.choice(m, size=(pupils, 4 * WISHES), p=weights)
    wishes = np.empty((pupils, WISHES), dtype=np.int64)
    for i in range(pupils):
        row = list(dict.fromkeys(draws[i].tolist()))
        while len(row) < WISHES:
            extra = int(rng.choice(m, p=weights))
            if extra not in row:
                row.append(extra)
        wishes[i] = popularity[row[:WISHES]]
    return capacities, wishes


async def seed_database(url: str, pupils: int) -> int:
    rng = np.random.default_rng(SEED + pupils)
    capacities, wishes = generate(pupils, rng)
    org = await Organiser.create(name="Benchmark kommun")
    school = await School.create(organiser_id=org.id, name="Benchskolan")
    start = clock.today() + timedelta(weeks=6)
    start -= timedelta(days=start.weekday())
    now = clock.now()
    period = await Period.create(
        school_id=school.id,
        name="Prao vecka 1–2",
        year_group=8,
        start_date=start,
        end_date=start + timedelta(days=11),
        booking_opens_at=now - timedelta(days=1),
        booking_closes_at=now + timedelta(days=20),
        cancel_deadline=now + timedelta(days=10),
        mode=PeriodMode.ALLOCATION,
        max_wishes=WISHES,
    )
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        employers = max(1, len(capacities) // 5)
        await conn.copy_records_to_table(
            "employer",
            records=[
                (org.id, f"Arbetsplats {i}", "", "Varberg", "approved", "", "", now, now)
                for i in range(employers)
            ],
            columns=[
                "organiser_id",
                "name",
                "address",
                "city",
                "status",
                "decline_reason",
                "decided_by",
                "created_at",
                "updated_at",
            ],  # fmt: skip
        )
        first_employer = await conn.fetchval("SELECT min(id) FROM employer")
        await conn.copy_records_to_table(
            "slot",
            records=[
                (
                    first_employer + i % employers, f"Plats {i}", "", "", "", "Varberg", "Handel",
                    start, start + timedelta(days=11), 480, 840, 30, cap, 0, 0, True,
                    "published", False, now, now,
                )
                for i, cap in enumerate(capacities)
            ],
            columns=[
                "employer_id", "title", "description", "tasks", "address", "city", "trade",
                "start_date", "end_date", "starts_minute", "ends_minute", "break_minutes",
                "capacity", "taken", "min_age", "visible_to_all", "status",
                "requires_approval", "created_at", "updated_at",
            ],
        )  # fmt: skip
        first_slot = await conn.fetchval("SELECT min(id) FROM slot")
        await conn.copy_records_to_table(
            "pupil",
            records=[
                (school.id, f"Elev{i}", f"Efternamn{i}", 8, "8A", False, f"b-{i}", now, now)
                for i in range(pupils)
            ],
            columns=[
                "school_id", "first_name", "last_name", "year_group", "class_name",
                "security_marking", "external_id", "created_at", "updated_at",
            ],
        )  # fmt: skip
        first_pupil = await conn.fetchval("SELECT min(id) FROM pupil")
        await conn.copy_records_to_table(
            "wish",
            records=[
                (first_pupil + i, period.id, first_slot + int(s), rank + 1, now, now)
                for i in range(pupils)
                for rank, s in enumerate(wishes[i])
            ],
            columns=["pupil_id", "period_id", "slot_id", "rank", "created_at", "updated_at"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return period.id


def profile(solution: Solution) -> str:
    ranks = " ".join(f"{n:>6}" for n in solution.rank_counts)
    return f"placed {solution.placed:>7}  ranks 1..5: {ranks}"


async def measure(pupils: int) -> dict[str, Any]:
    server = server_url()
    url = await create_database(server)
    settings = dataclasses.replace(load_settings(), database_url=url, redis_url=None)
    out: dict[str, Any] = {"pupils": pupils}
    try:
        await migrate(settings)
        await init_db(settings)
        t = time.perf_counter()
        period_id = await seed_database(url, pupils)
        out["seed_s"] = time.perf_counter() - t
        t = time.perf_counter()
        loaded = await data.load(period_id, "convex")
        out["load_s"] = time.perf_counter() - t
        out["slots"] = len(loaded.instance.slots)
        lines = []
        for policy in POLICIES:
            instance = Instance(**{**loaded.instance.__dict__, "policy": policy})
            t = time.perf_counter()
            solution = solve(instance, SEED)
            lines.append(f"  {policy:<20} {time.perf_counter() - t:7.2f} s  {profile(solution)}")
        # Arrival order and lottery are separate draws (with one draw, pupil-proposing
        # deferred acceptance under a single lottery is serial dictatorship: the same result).
        baselines = (
            ("greedy (random order)", greedy, SEED + 1),
            ("deferred acceptance", deferred_acceptance, SEED),
        )
        for name, baseline, seed in baselines:
            t = time.perf_counter()
            solution = baseline(loaded.instance, seed)
            lines.append(f"  {name:<20} {time.perf_counter() - t:7.2f} s  {profile(solution)}")
        out["lines"] = lines
        out["bench_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # The whole service path in a process of its own, so that its peak memory is its own
        # and not the solves' and baselines' above.
        await close_db()
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--service", url, str(period_id), stdout=subprocess.PIPE
        )
        stdout, _ = await child.communicate()
        if child.returncode:
            raise RuntimeError(f"the service path failed ({child.returncode})")
        out.update(json.loads(stdout.decode().strip().splitlines()[-1]))
    finally:
        await close_db()
        await drop_database(server, url)
    out["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())  # a shared machine is noisy
    return out


def own_peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries the forking parent's
    peak into a child across exec, and the bench process is bigger than the service path."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving this database, where the server runs on
    this machine: on a shared machine wall time says little about the statements' own cost.
    Background processes (WAL writer, checkpointer, autovacuum) are not counted."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.start: dict[int, float] = {}

    async def _backends(self) -> dict[int, float]:
        rows = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return {int(r["pid"]): _process_cpu(int(r["pid"])) for r in rows}

    async def begin(self) -> None:
        self.start = await self._backends()

    async def seconds(self) -> float:
        now = await self._backends()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in now.items())


async def service_path(url: str, period_id: int) -> dict[str, Any]:
    """A dry run (load, solve, summary, store), then applying it, as the service runs them;
    wall and process CPU time of each, and this process's peak memory."""
    settings = dataclasses.replace(load_settings(), database_url=url, redis_url=None)
    await init_db(settings)
    out: dict[str, Any] = {}
    monitor = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    database = DatabaseCpu(monitor)
    try:
        from prao.allocation import runs
        from prao.allocation.apply import apply_run

        period = await Period.get(id=period_id)
        organiser_id = (await School.get(id=period.school_id)).organiser_id
        operator = Actor(kind="cli", role=Role.ADMIN, organiser_id=organiser_id)
        out["maxrss_start_mb"] = own_peak_mb()
        await database.begin()
        t, cpu = time.perf_counter(), time.process_time()
        started = await runs.start_run(operator, period_id, seed=SEED, enqueue=False)
        assert started.value is not None
        await runs.execute_run(started.value.id)
        out["dry_run_s"] = time.perf_counter() - t
        out["dry_run_cpu_s"] = time.process_time() - cpu
        out["dry_run_db_cpu_s"] = await database.seconds()
        out["maxrss_before_apply_mb"] = own_peak_mb()
        await database.begin()
        t, cpu = time.perf_counter(), time.process_time()
        applied = await apply_run(operator, started.value.id)
        out["apply_s"] = time.perf_counter() - t
        out["apply_cpu_s"] = time.process_time() - cpu
        out["apply_db_cpu_s"] = await database.seconds()
        assert applied.value is not None, applied.errors
        result = applied.value.result
        out["timings"] = result["timings"]
        out["applied_placed"] = result["placed"]
    finally:
        await monitor.close()
        await close_db()
    out["maxrss_mb"] = own_peak_mb()
    return out


def report(out: dict[str, Any]) -> None:
    print(f"\n== {out['pupils']:,} pupils, {out['slots']:,} wished slots, {WISHES} wishes each ==")
    print(f"  generate + COPY into PostgreSQL  {out['seed_s']:7.2f} s")
    print(f"  load instance from PostgreSQL    {out['load_s']:7.2f} s")
    print("  policy / baseline       solve     result")
    for line in out["lines"]:
        print(line)
    timings = out["timings"]
    print(
        f"  service dry run (load+solve+summary+store) {out['dry_run_s']:.2f} s"
        f" [load {timings['load_seconds']:.2f} s, solve+summary {timings['solve_seconds']:.2f} s;"
        f" CPU: process {out['dry_run_cpu_s']:.2f} s, database {out['dry_run_db_cpu_s']:.2f} s]"
    )
    end_to_end = out["dry_run_s"] + out["apply_s"]
    goals = out["pupils"] >= GOAL_PUPILS  # the goals are set for 100,000 pupils
    print(
        f"  apply (check fingerprint, {out['applied_placed']:,} bookings + one outbox event each,"
        f" one transaction) {out['apply_s']:.2f} s [write {timings['write_seconds']:.2f} s,"
        f" of which the stale check {timings.get('check_seconds', 0):.2f} s;"
        f" CPU: process {out['apply_cpu_s']:.2f} s, database {out['apply_db_cpu_s']:.2f} s]"
        + _goal(goals, out["apply_s"], APPLY_GOAL_S, "s")
    )
    print(
        f"  end to end (dry run + apply)           {end_to_end:.2f} s"
        + _goal(goals, end_to_end, END_TO_END_GOAL_S, "s")
    )
    print(
        f"  peak memory of the service path (max RSS of its own process) {out['maxrss_mb']:.0f} MB"
        + _goal(goals, out["maxrss_mb"], MEMORY_GOAL_MB, "MB")
    )
    print(
        f"    of which at start {out['maxrss_start_mb']:.0f} MB (interpreter, imports),"
        f" before the apply {out['maxrss_before_apply_mb']:.0f} MB"
    )
    print(f"  peak memory of the bench process (solves, baselines) {out['bench_maxrss_mb']:.0f} MB")
    print(f"  load average at the end              {out['loadavg']}")


def _goal(applies: bool, value: float, goal: float, unit: str) -> str:
    if not applies:
        return ""
    return f"   goal < {goal:g} {unit} at {GOAL_PUPILS:,}: {'met' if value < goal else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--largest", action="store_true", help="also 100,000 pupils")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--service", nargs=2, metavar=("URL", "PERIOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.service:
        print(json.dumps(asyncio.run(service_path(args.service[0], int(args.service[1])))))
        return
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child))))
        return
    sizes = [*args.sizes, *([100_000] if args.largest else [])]
    for size in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        report(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
