"""Outbox delivery: N queued messages (each with its .ics) delivered by two workers (this source
tree's `python -m server worker`) on PostgreSQL and Redis to a local SMTP sink. Prints messages
per second beside the goal, the load average, and checks that every message arrived exactly once
(by Message-ID at the sink, and its status in the DB).

    python bench/outbox.py [--messages 10000] [--workers 2] [--sink lean|aiosmtpd]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import cast
from urllib.parse import urlparse

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, create_database, drop_database, free_port, server_url  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import close_db, init_db, migrate  # noqa: E402
from prao.models import OutboxMessage, OutboxStatus  # noqa: E402
from prao.services.delivery import BATCH_SIZE  # noqa: E402
from workers.arq_jobs import enqueue_deliveries  # noqa: E402

GOAL_PER_SECOND = 1000  # with two workers (issue 12, goal 5)
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Prao//praoplats//SV\r\nBEGIN:VEVENT\r\n"
    "UID:booking-1@prao\r\nDTSTART;TZID=Europe/Stockholm:20270111T080000\r\n"
    "DTEND;TZID=Europe/Stockholm:20270111T140000\r\nRRULE:FREQ=DAILY;UNTIL=20270122T130000Z;"
    "BYDAY=MO,TU,WE,TH,FR\r\nSUMMARY:Prao: Bagare\r\nLOCATION:Storgatan 1\\, Varberg\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)
BODY = (
    "Hej Alva!\n\nDin praoplats är bokad.\n\nPlats: Bagare\nArbetsplats: Café Solen\n"
    "Adress: Storgatan 1, Varberg\nDatum: 2027-01-11 – 2027-01-22\nTider: 08:00–14:00\n"
    "Status: Bekräftad\n\nPraoplatskort att skriva ut: http://127.0.0.1:8000/bokningar/1/kort\n"
    "\nHälsningar, Prao"
)


class Sink:
    """bench/smtp_sink.py in a process of its own: its CPU is its own, not the bench's."""

    def __init__(self, port: int, kind: str) -> None:
        command = [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port), kind]
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        if self.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def report(self) -> tuple[float, Counter[str]]:
        """Its CPU seconds so far, and how often it accepted each Message-ID."""
        self.stdin.write("report\n")
        answer = json.loads(self.stdout.readline())
        return float(answer["cpu"]), Counter(answer["seen"])

    def stop(self) -> None:
        self.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def ready(workers: list[subprocess.Popen[bytes]], redis_url: str) -> None:
    """Until each worker polls Redis (its start-up done: imports, database, its connection),
    on a busy machine that can take far longer than a fixed pause."""
    port = urlparse(redis_url).port or 6379
    for _ in range(600):
        polling = [
            any(c.raddr and c.raddr.port == port for c in psutil.Process(w.pid).net_connections())
            for w in workers
        ]
        if all(polling):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)


def cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    return sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in procs)


async def seed(count: int) -> list[int]:
    rows = [
        OutboxMessage(
            kind="booking_created",
            to_address=f"elev{i}@example.se",
            subject="Bokning av praoplats: Bagare",
            body=BODY,
            attachment=ICS,
            attachment_name="praoplats.ics",
            attachment_type="text/calendar",
        )
        for i in range(count)
    ]
    await OutboxMessage.bulk_create(rows, batch_size=1000)
    # Tortoise types flat rows as tuples; with one field they are the ids themselves.
    return cast(list[int], await OutboxMessage.all().order_by("id").values_list("id", flat=True))


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    # This tree's code, not whatever the installed `prao` script points at.
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "server", "worker"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


async def run(count: int, worker_count: int, redis_url: str, sink_kind: str) -> int:
    from arq import create_pool
    from arq.connections import RedisSettings

    server = server_url()
    database_url = await create_database(server)
    port = free_port()
    sink = Sink(port, sink_kind)
    workers: list[subprocess.Popen[bytes]] = []
    settings = dataclasses.replace(load_settings(), database_url=database_url)
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await pool.flushdb()
        await migrate(settings)
        await init_db(settings)
        ids = await seed(count)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
            "PRAO_VAR_DIR": str(ROOT / "var" / "bench"),
        }
        env.pop("DEMO", None)
        workers = [start_worker(env) for _ in range(worker_count)]
        await ready(workers, redis_url)  # so that their start-up is not in the figures
        # CPU from here on: the workers' start-up (imports, connections) is not in the figure.
        workers_before, sink_before = cpu(workers), sink.report()[0]
        own_before = time.process_time()
        started = time.perf_counter()
        await enqueue_deliveries(pool, ids)
        enqueued = time.perf_counter() - started
        while True:
            sent = await OutboxMessage.filter(status=OutboxStatus.SENT).count()
            if sent >= count or time.perf_counter() - started > 600:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        worker_cpu = cpu(workers) - workers_before
        own_cpu = time.process_time() - own_before
        await asyncio.sleep(1)  # anything sent twice would show up by now
        sink_after, seen = sink.report()
        sink_cpu = sink_after - sink_before
        statuses = Counter(
            cast(list[OutboxStatus], await OutboxMessage.all().values_list("status", flat=True))
        )
        attempts = Counter(await OutboxMessage.all().values_list("attempts", flat=True))
        expected = {f"<outbox-{i}@prao>" for i in ids}
        missing = len(expected - set(seen))
        doubled = sum(1 for key, n in seen.items() if n > 1)
        unknown = len(set(seen) - expected)
        print(
            f"outbox delivery, {count} messages, {worker_count} arq workers, PostgreSQL,"
            f" SMTP sink {sink_kind}"
        )
        jobs = -(-count // BATCH_SIZE)
        print(f"  enqueue: {count} messages as {jobs} jobs of {BATCH_SIZE} in {enqueued:.2f} s")
        rate = sent / elapsed
        print(
            f"  delivered: {sent} in {elapsed:.1f} s = {rate:,.0f} messages/s"
            f" (goal >= {GOAL_PER_SECOND:,} with two workers:"
            f" {'met' if rate >= GOAL_PER_SECOND else 'NOT met'}),"
            f" load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"  CPU: workers {worker_cpu:.1f} s ({worker_cpu / count * 1000:.2f} ms a message),"
            f" SMTP sink {sink_cpu:.1f} s ({sink_cpu / count * 1000:.2f} ms a message),"
            f" this script {own_cpu:.1f} s"
        )
        print(
            f"  at the sink: {sum(seen.values())} messages, {len(seen)} distinct Message-IDs,"
            f" received once {sum(1 for key, n in seen.items() if n == 1 and key in expected)}"
        )
        print(f"  lost {missing}, delivered twice {doubled}, unknown {unknown}")
        print(
            f"  database: {dict(statuses)}; attempts per message: {dict(sorted(attempts.items()))}"
        )
        ok = (
            missing == 0
            and doubled == 0
            and unknown == 0
            and statuses.get(OutboxStatus.SENT, 0) == count
        )
        print("  exactly once: " + ("yes" if ok else "NO"))
        return 0 if ok else 1
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        await pool.flushdb()
        await pool.aclose()
        sink.stop()
        await close_db()
        await drop_database(server, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument(
        "--sink",
        choices=["lean", "aiosmtpd"],
        default="lean",
        help="the SMTP server (bench/smtp_sink.py): lean costs next to nothing a message,"
        " aiosmtpd more than the workers",
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.messages, args.workers, args.redis, args.sink)))


if __name__ == "__main__":
    main()
