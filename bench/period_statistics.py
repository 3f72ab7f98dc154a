"""Statistics of one organiser's period with 100,000 bookings: the time of the whole
computation (pupils, placements, attendance, certificates, evaluations, places offered, by
school, trade and employer) and the statements it takes (a few, whatever the size), on
PostgreSQL. Twenty schools share the period's weeks; bookings come by first come, allocation
(with ranked wishes) and self-found places; every placement has a week of attendance, a
certificate asked for and evaluations asked of the pupil and the supervisor.

    python bench/period_statistics.py [--bookings 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import counted_statements, seeded_database  # noqa: E402

GOAL_S = 5.0
SCHOOLS = 20
EMPLOYERS = 2_000
SLOTS = 10_000
TRADES = ("Handel", "Vård", "Bygg", "Restaurang", "IT", "Skola", "Industri", "Kultur")

SEED = [
    "INSERT INTO organiser (name, consent_mode, info_insurance, info_lunch, info_travel, "
    "info_contact, info_version, created_at) VALUES ('Kommun', 'off', '', '', '', '', 1, now())",
    "INSERT INTO school (organiser_id, name, created_at) SELECT 1, 'Skola ' || g, now() "
    f"FROM generate_series(1, {SCHOOLS}) g",
    # A tenth more pupils than bookings: some are unplaced.
    "INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, "
    "security_marking, external_id, created_at, updated_at) "
    f"SELECT 1 + g % {SCHOOLS}, 'Elev', 'Nr' || g, 8, '8A', false, 'x-' || g, now(), now() "
    "FROM generate_series(1, $1::int * 11 / 10) g",
    "INSERT INTO employer (organiser_id, name, address, city, status, decline_reason, "
    "decided_by, created_at, updated_at) SELECT 1, 'Arbetsplats ' || g, '', 'Varberg', "
    f"'approved', '', '', now(), now() FROM generate_series(1, {EMPLOYERS}) g",
    "INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at, "
    "booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy, created_at, "
    "updated_at) SELECT g, 'Prao', 8, current_date - 20, current_date - 9, now(), now(), now(), "
    f"'allocation', 5, 'convex', now(), now() FROM generate_series(1, {SCHOOLS}) g",
    "INSERT INTO slot (employer_id, title, description, tasks, address, city, trade, "
    "start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken, "
    "min_age, visible_to_all, status, requires_approval, created_at, updated_at) "
    f"SELECT 1 + g % {EMPLOYERS}, 'Plats ' || g, '', '', '', 'Varberg', "
    f"(ARRAY{list(TRADES)})[1 + g % {len(TRADES)}], current_date - 20, current_date - 9, "
    "480, 840, 30, 12, 10, 0, true, 'closed', false, now(), now() "
    f"FROM generate_series(1, {SLOTS}) g",
    # Pupil g (of school 1 + g % SCHOOLS) in that school's period: a half allocated, a tenth
    # self-found, the rest first come.
    "INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_at, "
    f"updated_at) SELECT g, 1 + g % {SLOTS}, 1 + g % {SCHOOLS}, 'confirmed', "
    "CASE WHEN g % 10 = 0 THEN 'self_found' WHEN g % 2 = 0 THEN 'allocation' ELSE 'pupil' END, "
    "'', now(), now() FROM generate_series(1, $1::int) g",
    # The allocated pupils' wishes: the slot given at rank 1 + g % 5, four others around it.
    "INSERT INTO wish (pupil_id, period_id, slot_id, rank, created_at, updated_at) "
    "SELECT b.pupil_id, b.period_id, CASE WHEN r = 1 + b.pupil_id % 5 THEN b.slot_id "
    f"ELSE 1 + (b.slot_id + r * 7) % {SLOTS} END, r, now(), now() "
    "FROM booking b, generate_series(1, 5) r WHERE b.origin = 'allocation'",
    "INSERT INTO attendance_day (booking_id, day, status, note, recorded_by, created_at, "
    "updated_at) SELECT b.id, current_date - 20 + d, CASE WHEN (b.id + d) % 23 = 0 "
    "THEN 'absent_reported' WHEN (b.id + d) % 41 = 0 THEN 'absent' ELSE 'present' END, '', "
    "'bench', now(), now() FROM booking b, generate_series(0, 4) d",
    "INSERT INTO certificate (booking_id, requested_at, signed_at, tasks, days_attended, "
    "days_total, comment, signed_name, first_name, employer_name, organiser_name, created_at, "
    "updated_at) SELECT b.id, now(), CASE WHEN b.id % 4 <> 0 THEN now() END, '', 5, 5, '', '', "
    "'', '', '', now(), now() FROM booking b",
    "INSERT INTO evaluation (booking_id, period_id, school_id, employer_id, trade, "
    "pupil_asked_at, pupil_answered_at, overall, pupil_comment, supervisor_asked_at, "
    "supervisor_answered_at, host_again, supervisor_comment, created_at, updated_at) "
    "SELECT b.id, b.period_id, p.school_id, s.employer_id, s.trade, now(), "
    "CASE WHEN b.id % 3 <> 0 THEN now() END, CASE WHEN b.id % 3 <> 0 THEN 1 + b.id % 4 END, "
    "'', now(), CASE WHEN b.id % 2 = 0 THEN now() END, CASE WHEN b.id % 2 = 0 THEN "
    "(ARRAY['yes', 'no', 'maybe'])[1 + b.id % 3] END, '', now(), now() "
    "FROM booking b JOIN pupil p ON p.id = b.pupil_id JOIN slot s ON s.id = b.slot_id",
    "ANALYZE",
]


async def measure(bookings: int, runs: int) -> bool:
    async with seeded_database(SEED, bookings, "bookings"):
        return await _time_it(bookings, runs)


async def _time_it(bookings: int, runs: int) -> bool:
    from prao.actor import Actor
    from prao.models import Role
    from prao.services.statistics import period_statistics

    statements = counted_statements()
    admin = Actor(kind="user", id=1, role=Role.ADMIN, organiser_id=1)
    timings: list[float] = []
    placed = 0
    for _ in range(runs):
        statements.clear()
        started = time.perf_counter()
        outcome = await period_statistics(admin, 1)
        timings.append(time.perf_counter() - started)
        assert outcome.value is not None, outcome.errors
        placed = outcome.value.totals.placed or 0
    per_run = len(statements)
    median = statistics.median(timings)
    print(f"placed pupils counted: {placed:,} of {bookings:,} bookings")
    met_time = median <= GOAL_S
    print(
        f"statistics of the period: median {median:.2f} s of {runs} runs "
        f"(min {min(timings):.2f}, max {max(timings):.2f})   goal ≤ {GOAL_S:.0f} s "
        f"{'MET' if met_time else 'NOT MET'}"
    )
    print(f"statements per computation: {per_run} (not one per booking)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return met_time and placed == bookings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ok = asyncio.run(measure(args.bookings, args.runs))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
