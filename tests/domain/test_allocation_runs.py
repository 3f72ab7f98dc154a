"""Runs on the database: proposal, apply in one transaction, staleness, authorisation."""

from __future__ import annotations

from datetime import date

import pytest

from prao import clock, outbox
from prao.allocation import runs
from prao.allocation.apply import apply_run
from prao.auth import create_api_token
from prao.errors import ErrorCode
from prao.models import (
    AllocationRun,
    AllocationStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    OutboxEvent,
    OutboxMessage,
    Pupil,
    Slot,
    SlotStatus,
    SlotVisibility,
    Wish,
)
from prao.services.booking import book_slot
from tests import factories
from tests.allocation_world import Setup, wish
from tests.conftest import drain_jobs


async def dry_run(setup: Setup, seed: int = 1) -> AllocationRun:
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await runs.start_run(actor, setup.period.id, seed=seed)
    assert outcome.ok, outcome.errors
    assert outcome.value is not None
    await drain_jobs()
    return await AllocationRun.get(id=outcome.value.id)


async def test_dry_run_stores_the_proposal_and_writes_nothing(setup: Setup) -> None:
    run = await dry_run(setup)
    assert run.status == AllocationStatus.DONE
    assert run.progress == 100
    assert run.started_by == f"user:{setup.world.coordinator_a.id}"
    assert run.policy == "convex" and run.seed == 1
    result = run.result
    assert result["placed"] == 4 and result["pupils"] == 4
    assert result["rank_counts"] == [1, 3, 0]
    lottery, timings = result["lottery"], result["timings"]
    assert isinstance(lottery, list) and isinstance(timings, dict)
    assert sorted(lottery) == sorted(p.id for p in setup.pupils)
    assert {"load_seconds", "solve_seconds"} <= set(timings)
    assert run.fingerprint
    assert await Booking.all().count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_same_seed_same_proposal(setup: Setup) -> None:
    first, second = await dry_run(setup, seed=9), await dry_run(setup, seed=9)
    assert first.result["assignments"] == second.result["assignments"]
    assert first.result["lottery"] == second.result["lottery"]


async def test_unplaced_get_suggestions(setup: Setup) -> None:
    extra = await factories.pupil(setup.world.school_a)
    await wish(extra, setup.period, setup.slots[0])  # P only, already contested
    spare = await factories.slot(setup.world.employer, title="Ledig", capacity=5)
    run = await dry_run(setup)
    assert run.result["placed"] == 4
    unplaced_list = run.result["unplaced"]
    assert isinstance(unplaced_list, list)
    (unplaced,) = unplaced_list
    assert unplaced["pupil_id"] in {p.id for p in [*setup.pupils, extra]}
    titles = [s["title"] for s in unplaced["suggestions"]]
    assert titles[0] == "Ledig" and len(titles) <= 3
    assert spare.id == unplaced["suggestions"][0]["slot_id"]


async def test_apply_writes_bookings_and_outbox_together(setup: Setup) -> None:
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert outcome.ok, outcome.errors
    bookings = await Booking.all()
    assert len(bookings) == 4
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    assert {b.origin for b in bookings} == {BookingOrigin.ALLOCATION}
    taken = {s.id: s.taken for s in await Slot.filter(id__in=[s.id for s in setup.slots])}
    assert taken == {setup.slots[0].id: 1, setup.slots[1].id: 2, setup.slots[2].id: 1}
    messages = await OutboxMessage.filter(kind="booking_created")
    assert {m.booking_id for m in messages} == {b.id for b in bookings}
    # Alva's own and her account's address, her guardian's, and the employer's contact.
    alva = next(b for b in bookings if b.pupil_id == setup.world.pupil_a.id)
    assert setup.world.employer.contact_email is not None
    assert sorted((m.to_address for m in messages if m.booking_id == alva.id), key=str) == sorted(
        [
            "alva@example.se",
            "alva.user@example.se",
            "vh.alva@example.se",
            setup.world.employer.contact_email,
        ]
    )
    run = await AllocationRun.get(id=run.id)
    assert run.status == AllocationStatus.APPLIED and run.applied_at is not None
    again = await apply_run(actor, run.id)
    assert [e.code for e in again.errors] == [ErrorCode.INVALID]
    assert await Booking.all().count() == 4


async def test_apply_refused_when_a_wish_changed(setup: Setup) -> None:
    run = await dry_run(setup)
    await Wish.filter(pupil_id=setup.pupils[3].id).update(slot_id=setup.slots[2].id)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert [e.code for e in outcome.errors] == [ErrorCode.STALE_PROPOSAL]
    assert "Kör fördelningen igen" in outcome.errors[0].message
    assert (await AllocationRun.get(id=run.id)).status == AllocationStatus.STALE
    assert await Booking.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    assert sum(s.taken for s in await Slot.all()) == 0


async def test_apply_writes_one_event_per_booking_with_its_slots_snapshot(setup: Setup) -> None:
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert outcome.ok, outcome.errors
    bookings = await Booking.filter(origin=BookingOrigin.ALLOCATION).order_by("id")
    events = await OutboxEvent.all().order_by("booking_id")
    assert [e.booking_id for e in events] == [b.id for b in bookings]
    assert {e.kind for e in events} == {"booking_created"}
    for event, booking in zip(events, bookings, strict=True):
        slot = await Slot.get(id=booking.slot_id)
        assert event.snapshot == outbox.event_snapshot(booking, slot)
        assert event.expanded_at is not None  # the in-process runner wrote its messages


async def test_each_event_snapshots_its_own_slot(setup: Setup) -> None:
    # Slots that differ in every snapshotted value, so a booking paired with another slot's
    # snapshot, or a value converted differently from the ORM's, shows.
    for i, slot in enumerate(setup.slots):
        await Slot.filter(id=slot.id).update(
            address=f"Gata {i}",
            city=f"Stad {i}",
            tasks=f"Uppgift {i}\nmed rad",
            starts_minute=465 + i,
            ends_minute=800 + 7 * i,
            start_date=setup.period.start_date.replace(day=1 + i),
        )
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)
    assert (await apply_run(actor, run.id)).ok
    bookings = {b.id: b for b in await Booking.filter(origin=BookingOrigin.ALLOCATION)}
    slots = {s.id: s for s in await Slot.all()}
    events = await OutboxEvent.all()
    assert sorted(e.booking_id or 0 for e in events) == sorted(bookings)
    for event in events:
        assert event.booking_id is not None
        booking = bookings[event.booking_id]
        assert event.snapshot == outbox.event_snapshot(booking, slots[booking.slot_id])
    assert len({str(e.snapshot["slot"]) for e in events}) == 3


async def test_apply_answers_the_run_as_stored(setup: Setup) -> None:
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert outcome.value is not None, outcome.errors
    stored = await AllocationRun.get(id=run.id)
    assert outcome.value.status == stored.status == AllocationStatus.APPLIED
    assert outcome.value.applied_at == stored.applied_at
    assert outcome.value.result == stored.result
    timings = stored.result["timings"]
    assert isinstance(timings, dict)
    assert {"load_seconds", "solve_seconds", "write_seconds", "check_seconds"} <= set(timings)
    # The rest of the proposal is kept as the dry run stored it.
    assert {k: v for k, v in stored.result.items() if k != "timings"} == {
        k: v for k, v in run.result.items() if k != "timings"
    }


@pytest.mark.parametrize("change", ["birth_date", "slot_closed", "slot_listed", "capacity"])
async def test_apply_refused_when_what_the_proposal_read_changed(setup: Setup, change: str) -> None:
    run = await dry_run(setup)
    slot = setup.slots[0]
    if change == "birth_date":
        await Pupil.filter(id=setup.pupils[0].id).update(birth_date=date(2011, 1, 1))
    elif change == "slot_closed":
        await Slot.filter(id=slot.id).update(status=SlotStatus.CLOSED)
    elif change == "slot_listed":
        await SlotVisibility.create(slot_id=slot.id, school_id=setup.world.school_a.id)
    else:
        await Slot.filter(id=slot.id).update(capacity=slot.capacity + 1)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert [e.code for e in outcome.errors] == [ErrorCode.STALE_PROPOSAL]
    assert (await AllocationRun.get(id=run.id)).status == AllocationStatus.STALE
    assert await Booking.all().count() == 0
    assert await OutboxEvent.all().count() == 0
    assert sum(s.taken for s in await Slot.all()) == 0


async def test_apply_refused_when_a_booking_was_made_after_the_dry_run(setup: Setup) -> None:
    run = await dry_run(setup)
    # Another school's pupil books slot Q in the meantime (first-come period of school B).
    pupil_b = await setup.world.actor(setup.world.pupil_b_user)
    booked = await book_slot(pupil_b, setup.slots[1].id)
    assert booked.ok, booked.errors
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await apply_run(actor, run.id)
    assert [e.code for e in outcome.errors] == [ErrorCode.STALE_PROPOSAL]
    assert await Booking.filter(origin=BookingOrigin.ALLOCATION).count() == 0
    assert (await Slot.get(id=setup.slots[1].id)).taken == 1


async def test_confirmed_bookings_stay_and_a_second_run_solves_the_rest(setup: Setup) -> None:
    # Pupil 3 already holds P by hand: P is full, and she is not part of the run.
    await Booking.create(
        pupil_id=setup.pupils[3].id,
        slot_id=setup.slots[0].id,
        period_id=setup.period.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )
    await Slot.filter(id=setup.slots[0].id).update(taken=1)
    run = await dry_run(setup)
    assert run.result["pupils"] == 3 and run.result["skipped_booked"] == 1
    assert all(sid != setup.slots[0].id for _, sid, _ in run.result["assignments"])  # type: ignore[attr-defined]
    actor = await setup.world.actor(setup.world.coordinator_a)
    assert (await apply_run(actor, run.id)).ok
    late = await factories.pupil(setup.world.school_a)
    await wish(late, setup.period, setup.slots[1])
    second = await dry_run(setup, seed=2)
    assert second.result["pupils"] == 1  # only the late pupil is left to place


async def test_ineligible_wishes_are_not_used(setup: Setup) -> None:
    world = setup.world
    hidden = await factories.slot(world.employer, title="Bara B", schools=[world.school_b])
    adult = await factories.slot(world.employer, title="Vuxen", min_age=18)
    late = await factories.slot(
        world.employer,
        start_date=clock.today().replace(year=clock.today().year + 2),
        end_date=clock.today().replace(year=clock.today().year + 2),
    )
    lonely = await factories.pupil(world.school_a)
    await wish(lonely, setup.period, hidden, adult, late)
    run = await dry_run(setup)
    assert run.result["dropped_wishes"] == 3
    unplaced = run.result["unplaced"]
    assert isinstance(unplaced, list)
    assert lonely.id in [u["pupil_id"] for u in unplaced]


async def test_age_is_taken_on_the_slots_first_day(setup: Setup) -> None:
    world = setup.world
    teen = await factories.slot(world.employer, title="Från 15", min_age=15, capacity=5)
    start = teen.start_date
    # Fifteen on the first day, fourteen, and a pupil without a birth date, taken as the
    # youngest usual for year 8 (13): only the first may have it.
    day = min(start.day, 28)
    on_time = await factories.pupil(
        world.school_a, birth_date=date(start.year - 15, start.month, day)
    )
    late = await factories.pupil(world.school_a, birth_date=date(start.year - 14, start.month, day))
    unknown = await factories.pupil(world.school_a, birth_date=None)
    for pupil in (on_time, late, unknown):
        await wish(pupil, setup.period, teen)
    run = await dry_run(setup)
    assert run.result["dropped_wishes"] == 2
    placed = {pid: sid for pid, sid, _ in run.result["assignments"]}  # type: ignore[attr-defined]
    assert placed.get(on_time.id) == teen.id
    assert late.id not in placed and unknown.id not in placed


async def test_only_the_schools_staff_and_tokens_may_run(setup: Setup) -> None:
    world = setup.world
    for user in (world.coordinator_b, world.pupil_a_user, world.employer_user):
        outcome = await runs.start_run(await world.actor(user), setup.period.id)
        assert [e.code for e in outcome.errors] in ([ErrorCode.NOT_FOUND], [ErrorCode.FORBIDDEN])
    token_b, _ = await create_api_token("B", school=world.school_b)
    from prao.actor import Actor

    as_b = Actor.for_token(token_b, world.organiser.id)
    assert not (await runs.start_run(as_b, setup.period.id)).ok
    assert await AllocationRun.all().count() == 0
    token_a, _ = await create_api_token("A", school=world.school_a)
    as_a = Actor.for_token(token_a, world.organiser.id)
    admin = await world.actor(world.admin)
    for actor in (as_a, admin):
        assert (await runs.start_run(actor, setup.period.id)).ok
    await drain_jobs()
    run = await AllocationRun.filter(started_by=as_a.label).first()
    assert run is not None
    coordinator_b = await world.actor(world.coordinator_b)
    refused = await apply_run(coordinator_b, run.id)
    assert [e.code for e in refused.errors] == [ErrorCode.NOT_FOUND]
    assert await Booking.all().count() == 0


async def test_bad_seed_and_policy_are_refused(setup: Setup) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    assert [e.field for e in (await runs.start_run(actor, setup.period.id, seed=-1)).errors] == [
        "seed"
    ]
    bad = await runs.start_run(actor, setup.period.id, policy_name="random")
    assert [e.field for e in bad.errors] == ["policy"]
    assert await AllocationRun.all().count() == 0


async def test_a_run_without_dry_run_applies_at_once(setup: Setup) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcome = await runs.start_run(actor, setup.period.id, seed=3, dry_run=False)
    assert outcome.value is not None
    await drain_jobs()
    run = await AllocationRun.get(id=outcome.value.id)
    assert run.status == AllocationStatus.APPLIED, run.error
    assert await Booking.filter(origin=BookingOrigin.ALLOCATION).count() == 4
    assert "write_seconds" in run.result["timings"]  # type: ignore[operator]
