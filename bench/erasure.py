"""Erasure of 100,000 pupils by the retention job, on PostgreSQL: an organiser of 20 schools
whose periods ended 13 months ago, each pupil with a booking, guardians and their consents, a
week of attendance with notes, a signed certificate, both evaluations with free text, the
booking's mail and events, one-time links and (for a third) a sign-in account. Prints the
job's time beside the goal, the peak memory of this process, and the second run's (which finds
nothing more to erase).

    python bench/erasure.py [--pupils 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import seeded_database  # noqa: E402

GOAL_S = 60.0
SCHOOLS = 20
SLOTS = 2_000
# Ended 13 months before today, and two weeks long.
ENDED = "(current_date - interval '13 months')::date"

SEED = [
    "INSERT INTO organiser (name, consent_mode, info_insurance, info_lunch, info_travel, "
    "info_contact, info_version, retention_months, created_at) VALUES ('Kommun', "
    "'one_guardian', '', '', '', '', 1, 12, now())",
    f"INSERT INTO school (organiser_id, name, created_at) SELECT 1, 'Skola ' || g, now() "
    f"FROM generate_series(1, {SCHOOLS}) g",
    "INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, email, "
    "security_marking, external_id, birth_date, created_at, updated_at) "
    f"SELECT 1 + g % {SCHOOLS}, 'Elev' || g, 'Efternamn' || g, 8, '8' || chr(65 + g % 6), "
    "'elev' || g || '@example.se', g % 200 = 0, 'x-' || g, current_date - interval '15 years', "
    "now(), now() FROM generate_series(1, $1::int) g",
    "INSERT INTO guardian (pupil_id, name, email) SELECT 1 + g % $1::int, 'Vh ' || g, "
    "'vh' || g || '@example.se' FROM generate_series(1, $1::int * 3 / 2) g",
    "INSERT INTO app_user (email, name, role, pupil_id, is_active, session_version, created_at) "
    "SELECT 'konto' || g || '@example.se', 'Elev' || g, 'pupil', g, true, 0, now() "
    "FROM generate_series(1, $1::int) g WHERE g % 3 = 0",
    "INSERT INTO employer (organiser_id, name, contact_email, address, city, status, "
    "decline_reason, decided_by, created_at, updated_at) SELECT 1, 'Arbetsplats ' || g, "
    "'kontakt' || g || '@example.se', '', 'Varberg', 'approved', '', '', now(), now() "
    "FROM generate_series(1, 500) g",
    "INSERT INTO period (school_id, name, year_group, start_date, end_date, booking_opens_at, "
    "booking_closes_at, cancel_deadline, mode, max_wishes, allocation_policy, created_at, "
    f"updated_at) SELECT g, 'Prao', 8, {ENDED} - 11, {ENDED}, now(), now(), now(), "
    f"'first_come', 5, 'convex', now(), now() FROM generate_series(1, {SCHOOLS}) g",
    "INSERT INTO slot (employer_id, title, description, tasks, address, city, trade, "
    "start_date, end_date, starts_minute, ends_minute, break_minutes, capacity, taken, "
    "min_age, visible_to_all, status, requires_approval, created_at, updated_at) "
    "SELECT 1 + g % 500, 'Plats ' || g, '', '', '', 'Varberg', 'Handel', "
    f"{ENDED} - 11, {ENDED}, 480, 840, 30, 60, 50, 0, true, 'closed', false, now(), now() "
    f"FROM generate_series(1, {SLOTS}) g",
    "INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_by_id, "
    "decided_by_id, created_at, updated_at) SELECT p.id, 1 + p.id % "
    f"{SLOTS}, p.school_id, 'confirmed', CASE WHEN p.id % 5 = 0 THEN 'self_found' ELSE 'pupil' "
    "END, 'Ville ' || p.first_name, u.id, NULL, now(), now() FROM pupil p "
    "LEFT JOIN app_user u ON u.pupil_id = p.id",
    "INSERT INTO guardian_consent (booking_id, guardian_id, guardian_name, decision, method, "
    "message, text_version, recorded_by, evidence, created_at, updated_at) "
    "SELECT b.id, g.id, g.name, 'given', 'link', 'Ok', 'info 1', '', '{}', now(), now() "
    "FROM booking b JOIN guardian g ON g.pupil_id = b.pupil_id",
    "INSERT INTO attendance_day (booking_id, day, status, note, recorded_by, created_at, "
    f"updated_at) SELECT b.id, {ENDED} - d, CASE WHEN d = 2 THEN 'absent_reported' ELSE "
    "'present' END, CASE WHEN d = 2 THEN 'Sjuk' ELSE '' END, 'supervisor-link:1', now(), now() "
    "FROM booking b, generate_series(0, 4) d",
    "INSERT INTO certificate (booking_id, requested_at, tasks, days_attended, days_total, "
    "punctuality, initiative, cooperation, interest, comment, signed_name, signed_at, code, "
    "first_name, employer_name, organiser_name, start_date, end_date, created_at, updated_at) "
    "SELECT b.id, now(), 'Bakade', 9, 10, 4, 3, 4, 2, 'Bra jobbat', 'Handledare', now(), "
    f"'C-' || b.id, 'Elev' || b.pupil_id, 'Arbetsplats', 'Kommun', {ENDED} - 11, {ENDED}, "
    "now(), now() FROM booking b",
    "INSERT INTO evaluation (booking_id, period_id, school_id, employer_id, trade, "
    "pupil_asked_at, pupil_answered_at, overall, learned, treated_well, recommend, "
    "pupil_comment, supervisor_asked_at, supervisor_answered_at, went_well, host_again, "
    "places_next_year, supervisor_comment, created_at, updated_at) SELECT b.id, b.period_id, "
    "p.school_id, s.employer_id, s.trade, now(), now(), 4, 3, 4, 3, 'Kul, jag fick baka', "
    "now(), now(), 4, 'yes', 2, 'Elev' || b.pupil_id || ' var duktig', now(), now() "
    "FROM booking b JOIN pupil p ON p.id = b.pupil_id JOIN slot s ON s.id = b.slot_id",
    "INSERT INTO outbox_message (kind, to_address, subject, body, booking_id, status, "
    "attempts, last_error, created_at, sent_at) SELECT 'booking_confirmed', "
    "'elev' || b.pupil_id || '@example.se', 'Bokad', 'Hej Elev' || b.pupil_id, b.id, 'sent', "
    "1, '', now(), now() FROM booking b, generate_series(1, 3) k",
    "INSERT INTO outbox_event (kind, booking_id, snapshot, expanded_at, created_at) "
    "SELECT 'booking_confirmed', b.id, '{\"reason\": \"\"}', now(), now() FROM booking b",
    "INSERT INTO booking_link (booking_id, purpose, guardian_id, token_hash, email, expires_at, "
    "created_at) SELECT b.id, 'sign_certificate', NULL, md5(b.id::text), "
    "'kontakt1@example.se', now(), now() FROM booking b",
    "ANALYZE",
]


def own_peak_mb() -> float:
    """This process's peak resident memory (VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def measure(pupils: int) -> bool:
    async with seeded_database(SEED, pupils, "pupils"):
        return await _time_it(pupils)


async def _time_it(pupils: int) -> bool:
    from prao.models import Pupil
    from prao.services.retention import erase_expired

    before_mb = own_peak_mb()
    started = time.perf_counter()
    runs = await erase_expired()
    elapsed = time.perf_counter() - started
    peak_mb = own_peak_mb()
    erased = runs[0].erased
    print("erased: " + ", ".join(f"{k} {v:,}" for k, v in erased.counts().items()))
    met = elapsed <= GOAL_S
    print(
        f"erasure of {erased.pupils:,} pupils: {elapsed:.1f} s   goal ≤ {GOAL_S:.0f} s "
        f"{'MET' if met else 'NOT MET'}"
    )
    print(f"peak memory of this process: {peak_mb:.0f} MB ({before_mb:.0f} MB before the job)")
    started = time.perf_counter()
    again = await erase_expired()
    print(
        f"second run: {again[0].erased.pupils} pupils in {time.perf_counter() - started:.2f} s"
        " (nothing more to erase)"
    )
    left = await Pupil.filter(erased_at__isnull=True).count()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return met and erased.pupils == pupils and left == 0 and not again[0].erased.anything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=100_000)
    args = parser.parse_args()
    ok = asyncio.run(measure(args.pupils))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
