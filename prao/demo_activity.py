"""Demo data that shows the product on first start: what a municipality looks like a few days
after booking opened. Year 8 has booked some places first come (some wait for the workplace's
approval), one pupil has found her own workplace, most of year 9 have ranked wishes with a few
places far more wanted than others (as real wishes are), and the coordinator has made a trial
allocation of them. Everything goes through the services, as a pupil's or coordinator's own
action would, so counters, audit and e-mails (the demo outbox) are what they would be.

The demo people (/demo) of year 8 are left without bookings, so a visitor books from scratch;
of year 9 the first has no wishes yet and the others have some. Two slots booked by the first
school have a submitted risk assessment: one approved by its coordinator, one waiting."""

from __future__ import annotations

import random
from collections.abc import Sequence

from prao import clock, policy
from prao.actor import Actor
from prao.allocation.runs import execute_run, start_run
from prao.auth import actor_for_user
from prao.config import current_settings
from prao.demo_directory import DEMO_PEOPLE_PER_SCHOOL
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    GuardianConsent,
    LinkPurpose,
    Organiser,
    Period,
    PeriodMode,
    Pupil,
    Role,
    School,
    Slot,
    SlotStatus,
    User,
)
from prao.services import consent, consent_link, risk_assessment
from prao.services.booking import book_slot
from prao.services.self_found import SelfFound, register
from prao.services.wishes import submit_wishes

BOOKED_SHARE = 0.35  # of year 8 beyond the demo people, a few days after booking opened
WISHING_SHARE = 0.8  # of year 9: the rest have not got round to it yet
WISH_COUNTS = [1, 2, 3, 3, 4, 5, 5]
YEAR_9_AGE = 15  # at most, during the period


async def seed_activity(rng: random.Random, schools: Sequence[School]) -> None:
    for school in schools:
        await _first_come_bookings(rng, school)
    await _self_found(schools[1 % len(schools)])
    await _risk_assessments(schools[0])
    await _wishes_and_a_trial_run(rng, schools[0])
    await _a_consent_given()


async def _a_consent_given() -> None:
    """The first guardian asked has answered yes by her link; the others have not answered."""
    link = await BookingLink.filter(purpose=LinkPurpose.GUARDIAN_CONSENT).order_by("id").first()
    if link is None or link.guardian_id is None:
        return
    asked = await GuardianConsent.get(booking_id=link.booking_id, guardian_id=link.guardian_id)
    organiser = await Organiser.get(schools__pupils__bookings__id=link.booking_id)
    shown = consent.text_version(organiser, None)
    decision = consent.Decision(True, text_version=shown, shown_at=clock.now())
    await consent.decide(asked.id, decision, consent_link.LinkCapture(link.id))


def _zipf(rng: random.Random, items: list[Slot], count: int) -> list[Slot]:
    """`count` different items, the first ones of `items` far more often than the last."""
    weights = [1 / (rank + 1) for rank in range(len(items))]
    chosen: list[Slot] = []
    pool, left = list(items), list(weights)
    while pool and len(chosen) < count:
        pick = rng.choices(range(len(pool)), weights=left)[0]
        chosen.append(pool.pop(pick))
        left.pop(pick)
    return chosen


async def _listed_slots(rng: random.Random, pupil: Actor, max_age: int | None = None) -> list[Slot]:
    """The published slots listed for this pupil (prao.policy's rule), in an order of
    popularity of the seed's own."""
    found = policy.slots(pupil).filter(status=SlotStatus.PUBLISHED)
    if max_age is not None:
        found = found.filter(min_age__lte=max_age)
    slots = await found.order_by("id")
    rng.shuffle(slots)
    return slots


async def _pupil_users(pupils: list[Pupil]) -> dict[int, User]:
    users = await User.filter(role=Role.PUPIL, pupil_id__in=[p.id for p in pupils])
    return {u.pupil_id: u for u in users if u.pupil_id is not None}


async def _first_come_bookings(rng: random.Random, school: School) -> None:
    pupils = await Pupil.filter(school_id=school.id, year_group=8).order_by("id")
    users = await _pupil_users(pupils)
    slots = await _listed_slots(rng, await actor_for_user(users[pupils[0].id]))
    for pupil in pupils[DEMO_PEOPLE_PER_SCHOOL:]:
        if rng.random() >= BOOKED_SHARE:
            continue
        actor = await actor_for_user(users[pupil.id])
        for slot in _zipf(rng, slots, 3):  # a full place: she books the next she liked
            if (await book_slot(actor, slot.id)).ok:
                break


async def _self_found(school: School) -> None:
    """A pupil who found her own place: the workplace has her request and a link to answer."""
    period = await Period.get(school_id=school.id, year_group=8, mode=PeriodMode.FIRST_COME)
    booked = {b.pupil_id for b in await Booking.filter(period_id=period.id)}
    pupils = await Pupil.filter(school_id=school.id, year_group=8).order_by("-id")
    pupil = next(p for p in pupils if p.id not in booked and not p.security_marking)
    user = await User.get(pupil_id=pupil.id)
    found = await register(
        await actor_for_user(user),
        SelfFound(
            name="Farbrors bageri i Veddige",
            contact_email="bageriet@veddige.example.com",
            start_date=period.start_date,
            end_date=period.end_date,
            tasks="Baka bröd, fylla på i butiken och stå i kassan.",
            address="Kyrkvägen 4",
            city="Veddige",
        ),
        current_settings(),
    )
    if not found.ok:
        raise RuntimeError(f"demo self-found placement refused: {found.errors}")


async def _wishes_and_a_trial_run(rng: random.Random, school: School) -> None:
    period = await Period.get(school_id=school.id, mode=PeriodMode.ALLOCATION)
    pupils = await Pupil.filter(school_id=school.id, year_group=period.year_group).order_by("id")
    users = await _pupil_users(pupils)
    first = await actor_for_user(users[pupils[0].id])
    slots = await _listed_slots(rng, first, max_age=YEAR_9_AGE)
    # The first demo pupil of year 9 starts her wishes from scratch; the other two have some.
    for n, pupil in enumerate(pupils[1:], start=1):
        if n >= DEMO_PEOPLE_PER_SCHOOL and rng.random() >= WISHING_SHARE:
            continue
        wished = _zipf(rng, slots, min(rng.choice(WISH_COUNTS), period.max_wishes))
        done = await submit_wishes(
            await actor_for_user(users[pupil.id]), period.id, [s.id for s in wished]
        )
        if not done.ok:
            raise RuntimeError(f"demo wishes refused: {done.errors}")
    coordinator = await User.get(role=Role.COORDINATOR, school_id=school.id)
    run = await start_run(await actor_for_user(coordinator), period.id, seed=8, enqueue=False)
    if run.value is None:
        raise RuntimeError(f"demo allocation refused: {run.errors}")
    await execute_run(run.value.id)


def _demo_assessment(tasks: str) -> risk_assessment.AssessmentInput:
    answers = {code: risk_assessment.HazardAnswer(False) for code in risk_assessment.hazard_codes()}
    answers["public"] = risk_assessment.HazardAnswer(
        True, "Eleven möter kunder tillsammans med handledaren, aldrig ensam."
    )
    return risk_assessment.AssessmentInput(
        tasks=tasks,
        hazards=answers,
        supervisor_name="Maria Lind",
        supervisor_phone="0340-123 45",
        supervisor_email="maria.lind@foretag.example.com",
        supervisor_years=6,
        meeting_place="Personalingången på baksidan",
        ask_for="Maria",
        clothing="Bekväma skor; förkläde får eleven låna.",
        lunch="Eleven äter i personalrummet och tar med egen matlåda.",
        emergency_name="Butikschefen",
        emergency_phone="070-123 45 67",
    )


async def _risk_assessments(school: School) -> None:
    """The two slots most booked by the first school: both employers have submitted their risk
    assessment; the school's coordinator has approved the first, the second waits for her."""
    booked = await Booking.filter(pupil__school_id=school.id, status=BookingStatus.CONFIRMED)
    counts: dict[int, int] = {}
    for booking in booked:
        counts[booking.slot_id] = counts.get(booking.slot_id, 0) + 1
    chosen = sorted(counts, key=lambda pk: (-counts[pk], pk))[:2]
    coordinator = await actor_for_user(await User.get(role=Role.COORDINATOR, school_id=school.id))
    for n, slot_id in enumerate(chosen):
        slot = await Slot.get(id=slot_id)
        user = await User.filter(role=Role.EMPLOYER, employer_id=slot.employer_id).first()
        if user is None:
            continue
        done = await risk_assessment.submit(
            await actor_for_user(user), slot.id, _demo_assessment(slot.tasks)
        )
        if done.value is None:
            raise RuntimeError(f"demo risk assessment refused: {done.errors}")
        if n == 0 and not (await risk_assessment.approve(coordinator, done.value.id)).ok:
            raise RuntimeError("demo approval refused")
