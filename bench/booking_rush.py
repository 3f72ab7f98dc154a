"""Booking rush: N pupils book at once through `bookSlot` over HTTP, against a server on
PostgreSQL, into slots with fewer places than pupils. Prints throughput, latency, the
server's peak memory, and the overbooking count (must be 0).

    python bench/booking_rush.py [--pupils 5000] [--concurrency 200] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Server,
    create_database,
    describe_latency,
    drop_database,
    global_id,
    server_url,
)  # noqa: E402
from prao import clock  # noqa: E402
from prao.auth import create_api_token  # noqa: E402
from prao.config import load_settings  # noqa: E402
from prao.db import close_db, init_db, migrate  # noqa: E402
from prao.models import Employer, Organiser, Period, Pupil, School, Slot, SlotStatus  # noqa: E402

BOOK = """mutation Book($input: BookSlotInput!) {
  bookSlot(input: $input) { booking { id status } errors { code field message } }
}"""


async def seed(
    database_url: str, pupils: int, capacity_ratio: float
) -> tuple[str, list[int], list[int]]:
    import dataclasses

    settings = dataclasses.replace(load_settings(), database_url=database_url)
    await migrate(settings)
    await init_db(settings)
    try:
        org = await Organiser.create(name="Benchmark kommun")
        school = await School.create(organiser_id=org.id, name="Benchskolan")
        employer = await Employer.create(organiser_id=org.id, name="Bench AB", city="Varberg")
        start = clock.today() + timedelta(weeks=6)
        await Period.create(
            school_id=school.id,
            name="Prao",
            year_group=8,
            start_date=start,
            end_date=start + timedelta(days=11),
            booking_opens_at=clock.now() - timedelta(days=1),
            booking_closes_at=clock.now() + timedelta(days=10),
            cancel_deadline=clock.now() + timedelta(days=5),
        )
        await Pupil.bulk_create(
            [
                Pupil(
                    school_id=school.id,
                    first_name=f"Elev{i}",
                    last_name="Bench",
                    year_group=8,
                    class_name="8A",
                    external_id=f"b{i}",
                )
                for i in range(pupils)
            ],
            batch_size=1000,
        )
        places = int(pupils * capacity_ratio)
        capacities: list[int] = []
        while sum(capacities) < places:
            capacities.append(min(random.randint(1, 10), places - sum(capacities)))
        await Slot.bulk_create(
            [
                Slot(
                    employer_id=employer.id,
                    title=f"Plats {i}",
                    start_date=start,
                    end_date=start + timedelta(days=11),
                    starts_minute=480,
                    ends_minute=840,
                    capacity=c,
                    status=SlotStatus.PUBLISHED,
                )
                for i, c in enumerate(capacities)
            ],
            batch_size=1000,
        )
        _, raw = await create_api_token("bench", school=school)
        pupil_ids = list(await Pupil.all().order_by("id").values_list("id", flat=True))
        slot_ids = list(await Slot.all().order_by("id").values_list("id", flat=True))
        return raw, pupil_ids, slot_ids  # type: ignore[return-value]
    finally:
        await close_db()


async def rush(
    url: str, token: str, pupil_ids: list[int], slot_ids: list[int], concurrency: int
) -> tuple[list[float], Counter[str], float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    transport_errors: Counter[str] = Counter()
    gate = asyncio.Semaphore(concurrency)
    rng = random.Random(1)
    # Popular slots first: a skewed choice, as in a real rush.
    weights = [1 / (i + 1) ** 0.8 for i in range(len(slot_ids))]
    choices = rng.choices(slot_ids, weights=weights, k=len(pupil_ids))

    async with httpx.AsyncClient(
        base_url=url, limits=limits, headers=headers, timeout=120
    ) as client:

        async def attempt(pupil_id: int, slot_id: int) -> str:
            variables = {
                "input": {
                    "slotId": global_id("Slot", slot_id),
                    "pupilId": global_id("Pupil", pupil_id),
                }
            }
            async with gate:
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/graphql", json={"query": BOOK, "variables": variables}
                    )
                except httpx.TransportError as exc:
                    # Counted, not hidden: the pupil tries again, as a browser would.
                    transport_errors[type(exc).__name__] += 1
                    return "TRANSPORT_ERROR"
                latencies.append(time.perf_counter() - started)
            payload = response.json()
            if response.status_code != 200 or "errors" in payload:
                return f"HTTP {response.status_code} {payload.get('errors')}"[:120]
            result = payload["data"]["bookSlot"]
            return str(result["errors"][0]["code"]) if result["errors"] else "BOOKED"

        async def one(pupil_id: int, first_choice: int) -> None:
            # A pupil who finds her first choice full tries up to two more, as people do.
            choice = first_choice
            tries = 0
            while tries < 3:
                outcome = await attempt(pupil_id, choice)
                if outcome == "TRANSPORT_ERROR":
                    continue  # the same slot again: the request never got an answer
                tries += 1
                if outcome != "SLOT_FULL":
                    break
                choice = rng.choice(slot_ids)
            outcomes[outcome] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(p, s) for p, s in zip(pupil_ids, choices, strict=True)))
        elapsed = time.perf_counter() - started
    for name, count in transport_errors.items():
        outcomes[f"{name} (retried)"] = count
    return latencies, outcomes, elapsed


async def overbooking(database_url: str) -> tuple[int, int, int, int]:
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        over = await conn.fetchval(
            "SELECT count(*) FROM slot s WHERE (SELECT count(*) FROM booking b"
            " WHERE b.slot_id = s.id AND b.status IN ('pending','confirmed')) > s.capacity"
        )
        drift = await conn.fetchval(
            "SELECT count(*) FROM slot s WHERE s.taken <> (SELECT count(*) FROM booking b WHERE"
            " b.slot_id = s.id AND b.status IN ('pending','confirmed'))"
        )
        doubles = await conn.fetchval(
            "SELECT count(*) FROM (SELECT pupil_id FROM booking WHERE status IN"
            " ('pending','confirmed') GROUP BY pupil_id, period_id HAVING count(*) > 1) d"
        )
        capacity = await conn.fetchval("SELECT sum(capacity) FROM slot")
        return int(over), int(drift), int(doubles), int(capacity)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--capacity-ratio", type=float, default=0.8)
    args = parser.parse_args()

    server = server_url()
    database_url = await create_database(server)
    try:
        token, pupil_ids, slot_ids = await seed(database_url, args.pupils, args.capacity_ratio)
        async with Server(database_url, workers=args.workers) as srv:
            latencies, outcomes, elapsed = await rush(
                srv.url, token, pupil_ids, slot_ids, args.concurrency
            )
            peak = srv.peak_rss
        over, drift, doubles, capacity = await overbooking(database_url)
    finally:
        await drop_database(server, database_url)

    booked = outcomes["BOOKED"]
    print(
        f"booking rush: {len(pupil_ids)} pupils, {len(slot_ids)} slots, {capacity} places, "
        f"concurrency {args.concurrency}, {args.workers} server worker(s), PostgreSQL"
    )
    print(f"  requests/s        {len(latencies) / elapsed:8.1f}")
    print(f"  bookings/s        {booked / elapsed:8.1f}  ({booked} booked in {elapsed:.1f} s)")
    print(f"  latency           {describe_latency(latencies)}")
    print(f"  server peak RSS   {peak / 2**20:8.1f} MiB")
    print(f"  outcomes          {dict(outcomes)} (per pupil, after up to 3 tries)")
    print(f"  overbooked slots  {over}   (taken≠bookings: {drift}, pupils booked twice: {doubles})")
    if over or drift or doubles:
        raise SystemExit("OVERBOOKING DETECTED")


if __name__ == "__main__":
    asyncio.run(main())
