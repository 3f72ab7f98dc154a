"""Readiness of a period of 10,000 pupils: the time to read every booking's 'Klar för prao'
state for the coordinator's period page, and the statements it takes (one, whatever the size),
on PostgreSQL. The period is half-way through its steps: assessments submitted for most
slots and approved for many (by the school or the organiser), guardians' consents given,
refused or missing under the organiser's 'all guardians' rule.

    python bench/readiness.py [--pupils 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import counted_statements, seeded_database  # noqa: E402

GOAL_MS = 250.0
SLOTS = 1_000

SEED = [
    "INSERT INTO organiser (name, consent_mode, info_insurance, info_lunch, info_travel, "
    "info_contact, info_version, created_at) VALUES ('Kommun', 'all_guardians', '', '', '', "
    "'', 1, now())",
    "INSERT INTO school (organiser_id, name, created_at) VALUES (1, 'Skola', now()), "
    "(1, 'Grannskolan', now())",
    "INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, "
    "security_marking, external_id, birth_date, created_at, updated_at) "
    "SELECT 1, 'Elev', 'Nr' || g, 8, '8' || chr(65 + g % 6), g % 200 = 0, 'x-' || g, "
    "CASE WHEN g % 3 = 0 THEN current_date - interval '14 years' END, now(), now() "
    "FROM generate_series(1, $1::int) g",
    "INSERT INTO guardian (pupil_id, name, email) SELECT 1 + g % $1::int, 'Vh', "
    "'vh' || g || '@example.se' FROM generate_series(1, $1::int * 3 / 2) g",
    "INSERT INTO employer (organiser_id, name, address, city, status, decline_reason, "
    "decided_by, created_at, updated_at) SELECT 1, 'Arbetsplats ' || g, '', 'Varberg', "
    "'approved', '', '', now(), now() FROM generate_series(1, 500) g",
    "INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at, "
    "booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy, created_at, "
    "updated_at) VALUES (1, 'Prao', 8, current_date + 40, current_date + 51, now(), "
    "now() + interval '20 days', now() + interval '10 days', 'first_come', 5, 'convex', now(), "
    "now())",
    "INSERT INTO slot (employer_id, title, description, tasks, address, city, trade, "
    "start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken, "
    "min_age, visible_to_all, status, requires_approval, created_at, updated_at) "
    "SELECT 1 + g % 500, 'Plats ' || g, '', '', '', 'Varberg', 'Handel', "
    "current_date + 40, current_date + 51, 480, 840, 30, 12, 10, "
    f"CASE WHEN g % 50 = 0 THEN 16 ELSE 0 END, true, 'published', false, now(), now() "
    f"FROM generate_series(1, {SLOTS}) g",
    # Nineteen in twenty bookings confirmed, the rest waiting for the employer.
    "INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_at, "
    f"updated_at) SELECT g, 1 + g % {SLOTS}, 1, CASE WHEN g % 20 = 0 THEN 'pending' "
    "ELSE 'confirmed' END, 'pupil', '', now(), now() FROM generate_series(1, $1::int) g",
    # Four slots in five assessed, one in five of those in a second version.
    "INSERT INTO risk_assessment (slot_id, version, status, tasks, hazards, supervisor_name, "
    "supervisor_phone, supervisor_email, meeting_place, ask_for, clothing, lunch, "
    "emergency_name, emergency_phone, submitted_by, submitted_at, created_at, updated_at) "
    "SELECT s, v, 'submitted', '', '{}', '', '', '', '', '', '', '', '', '', '', now(), now(), "
    f"now() FROM generate_series(1, {SLOTS}) s, generate_series(1, 2) v "
    "WHERE s % 5 <> 0 AND (v = 1 OR s % 5 = 1)",
    # Reviews of many versions: by the school, the neighbour school or the organiser.
    "INSERT INTO assessment_review (assessment_id, organiser_id, school_id, decision, comment, "
    "decided_by, decided_at) SELECT a.id, 1, CASE a.id % 3 WHEN 0 THEN NULL WHEN 1 THEN 1 "
    "ELSE 2 END, CASE WHEN a.id % 7 = 0 THEN 'change_requested' ELSE 'approved' END, '', "
    "'bench', now() FROM risk_assessment a WHERE a.id % 4 <> 0",
    "INSERT INTO guardian_consent (booking_id, guardian_id, guardian_name, decision, method, "
    "message, text_version, recorded_by, evidence, created_at, updated_at) "
    "SELECT b.id, g.id, '', CASE WHEN g.id % 50 = 0 THEN 'refused' WHEN g.id % 3 = 0 THEN "
    "'pending' ELSE 'given' END, 'link', '', 'info 1', '', '{}', now(), now() "
    "FROM booking b JOIN guardian g ON g.pupil_id = b.pupil_id WHERE b.status = 'confirmed'",
    "ANALYZE",
]


async def measure(pupils: int, runs: int) -> bool:
    async with seeded_database(SEED, pupils, "pupils"):
        return await _time_it(pupils, runs)


async def _time_it(pupils: int, runs: int) -> bool:
    from prao.services.readiness import period_states

    statements = counted_statements()
    timings: list[float] = []
    states: dict[int, Any] = {}
    for _ in range(runs):
        statements.clear()
        started = time.perf_counter()
        states = await period_states(1)
        timings.append((time.perf_counter() - started) * 1000)
    per_run = len(statements)
    median = statistics.median(timings)
    print(f"bookings read: {len(states):,} of {pupils:,} pupils")
    counts = Counter(s.readiness.value for s in states.values())
    print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.most_common()))
    met_time = median <= GOAL_MS
    met_statements = per_run == 1
    print(
        f"readiness of the period page: median {median:.0f} ms of {runs} runs "
        f"(min {min(timings):.0f}, max {max(timings):.0f})   goal ≤ {GOAL_MS:.0f} ms "
        f"{'MET' if met_time else 'NOT MET'}"
    )
    print(
        f"statements per period page: {per_run}   goal 1 (not one per pupil) "
        f"{'MET' if met_statements else 'NOT MET'}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return met_time and met_statements and len(states) == pupils


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ok = asyncio.run(measure(args.pupils, args.runs))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
