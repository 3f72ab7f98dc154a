"""Readiness read from the database: each fact the rule needs, for one booking and for a whole
period in one statement."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise import connections

from prao.models import (
    AssessmentReview,
    AssessmentStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    ConsentDecision,
    ConsentMethod,
    ConsentMode,
    Guardian,
    GuardianConsent,
    Pupil,
    ReviewDecision,
    RiskAssessment,
    Slot,
)
from prao.readiness import Readiness, Step
from prao.services.readiness import booking_states, period_states
from tests import factories
from tests.factories import World


async def _book(world: World, pupil: Pupil, slot: Slot, status: BookingStatus) -> Booking:
    return await Booking.create(
        pupil_id=pupil.id,
        slot_id=slot.id,
        period_id=world.period_a.id,
        status=status,
        origin=BookingOrigin.STAFF,
    )


async def _assess(slot: Slot, version: int, status: AssessmentStatus) -> RiskAssessment:
    return await RiskAssessment.create(slot_id=slot.id, version=version, status=status)


async def _review(world: World, assessment: RiskAssessment, decision: ReviewDecision,
                  school_id: int | None) -> None:  # fmt: skip
    await AssessmentReview.create(
        assessment_id=assessment.id,
        organiser_id=world.organiser.id,
        school_id=school_id,
        decision=decision,
        decided_by="test",
    )


async def state_of(booking: Booking) -> tuple[Readiness, tuple[Step, ...]]:
    state = (await booking_states([booking.id]))[booking.id]
    return state.readiness, state.missing


async def test_each_step_in_turn_until_ready(world: World) -> None:
    booking = await _book(world, world.pupil_a, world.slot, BookingStatus.PENDING)
    assert await state_of(booking) == (Readiness.NOT_CONFIRMED, (Step.CONFIRMATION,))
    await Booking.filter(id=booking.id).update(status=BookingStatus.CONFIRMED)
    assert await state_of(booking) == (Readiness.WAITING_RISK_ASSESSMENT, (Step.RISK_ASSESSMENT,))

    draft = await _assess(world.slot, 1, AssessmentStatus.DRAFT)
    assert (await state_of(booking))[1] == (Step.RISK_ASSESSMENT,)  # a draft is not submitted
    await RiskAssessment.filter(id=draft.id).update(status=AssessmentStatus.SUBMITTED)
    assert (await state_of(booking))[1] == (Step.ASSESSMENT_APPROVAL,)

    # Another school's approval does not count; the pupil's own school's does.
    await _review(world, draft, ReviewDecision.APPROVED, world.school_b.id)
    assert (await state_of(booking))[1] == (Step.ASSESSMENT_APPROVAL,)
    await _review(world, draft, ReviewDecision.CHANGE_REQUESTED, world.school_a.id)
    assert await state_of(booking) == (
        Readiness.ASSESSMENT_CHANGE_REQUESTED,
        (Step.ASSESSMENT_CHANGE,),
    )
    await _review(world, draft, ReviewDecision.APPROVED, world.school_a.id)  # the latest counts
    assert await state_of(booking) == (Readiness.READY, ())

    # A new submitted version needs a new approval; the organiser's approval counts for all.
    second = await _assess(world.slot, 2, AssessmentStatus.SUBMITTED)
    assert (await state_of(booking))[1] == (Step.ASSESSMENT_APPROVAL,)
    await _review(world, second, ReviewDecision.APPROVED, None)
    assert await state_of(booking) == (Readiness.READY, ())


async def test_consent_counts_by_the_organisers_rule(world: World) -> None:
    booking = await _book(world, world.pupil_a, world.slot, BookingStatus.CONFIRMED)
    approved = await _assess(world.slot, 1, AssessmentStatus.SUBMITTED)
    await _review(world, approved, ReviewDecision.APPROVED, None)
    guardians = await Guardian.filter(pupil_id=world.pupil_a.id)
    assert len(guardians) == 1
    second = await Guardian.create(pupil_id=world.pupil_a.id, name="Bo", email="bo@example.se")

    await world.organiser.__class__.filter(id=world.organiser.id).update(
        consent_mode=ConsentMode.ALL_GUARDIANS
    )
    assert await state_of(booking) == (Readiness.WAITING_CONSENT, (Step.CONSENT,))
    await GuardianConsent.create(
        booking_id=booking.id,
        guardian_id=guardians[0].id,
        decision=ConsentDecision.GIVEN,
        method=ConsentMethod.LINK,
    )
    assert (await state_of(booking))[0] is Readiness.WAITING_CONSENT  # one of two
    await world.organiser.__class__.filter(id=world.organiser.id).update(
        consent_mode=ConsentMode.ONE_GUARDIAN
    )
    assert await state_of(booking) == (Readiness.READY, ())
    await GuardianConsent.create(
        booking_id=booking.id,
        guardian_id=second.id,
        decision=ConsentDecision.REFUSED,
        method=ConsentMethod.LINK,
    )
    assert await state_of(booking) == (Readiness.CONSENT_REFUSED, (Step.CONSENT_REFUSED,))


async def test_a_pupil_younger_than_the_slot_requires_is_not_ready(world: World) -> None:
    start = world.slot.start_date
    await Pupil.filter(id=world.pupil_a.id).update(birth_date=date(start.year - 15, 1, 1))
    booking = await _book(world, world.pupil_a, world.slot, BookingStatus.CONFIRMED)
    approved = await _assess(world.slot, 1, AssessmentStatus.SUBMITTED)
    await _review(world, approved, ReviewDecision.APPROVED, None)
    await Slot.filter(id=world.slot.id).update(min_age=16)
    assert await state_of(booking) == (Readiness.TOO_YOUNG, (Step.AGE,))
    await Pupil.filter(id=world.pupil_a.id).update(birth_date=start - timedelta(days=16 * 366))
    assert await state_of(booking) == (Readiness.READY, ())


async def test_a_period_is_read_in_one_statement_whatever_its_size(world: World) -> None:
    pupils = [world.pupil_a, world.pupil_a2]
    for _ in range(8):
        pupils.append(await factories.pupil(world.school_a, guardian_email=None))
    big = await factories.slot(world.employer, capacity=20)
    for pupil in pupils:
        await _book(world, pupil, big, BookingStatus.CONFIRMED)
    cancelled = await _book(world, world.pupil_b, world.slot, BookingStatus.CANCELLED)

    conn = connections.get("default")
    calls: list[str] = []
    original = conn.execute_query

    async def counted(sql: str, values: list[object] | None = None) -> object:
        calls.append(sql)
        return await original(sql, values)

    conn.execute_query = counted
    try:
        states = await period_states(world.period_a.id)
    finally:
        del conn.execute_query
    assert len(calls) == 1
    assert len(states) == 10 and cancelled.id not in states
    assert {s.readiness for s in states.values()} == {Readiness.WAITING_RISK_ASSESSMENT}
