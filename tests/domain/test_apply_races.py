"""Applying a proposal while others write: races that SQLite hides, so on PostgreSQL
(TEST_DATABASE_URL); and an apply that fails half-way leaves nothing behind."""

from __future__ import annotations

import asyncio

import pytest

from prao import outbox
from prao.allocation.apply import apply_run
from prao.errors import ErrorCode
from prao.models import (
    AllocationRun,
    AllocationStatus,
    Booking,
    BookingOrigin,
    OutboxEvent,
    Slot,
)
from prao.services.booking import book_slot
from tests.allocation_world import Setup
from tests.domain.test_allocation_runs import dry_run


async def _taken(setup: Setup) -> list[int]:
    return [(await Slot.get(id=s.id)).taken for s in setup.slots]


@pytest.mark.postgres
async def test_two_applies_at_once_write_the_proposal_once(postgres: None, setup: Setup) -> None:
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcomes = await asyncio.gather(apply_run(actor, run.id), apply_run(actor, run.id))
    assert sorted(o.ok for o in outcomes) == [False, True]
    [refused] = [o for o in outcomes if not o.ok]
    assert [e.code for e in refused.errors] == [ErrorCode.INVALID]
    bookings = await Booking.filter(origin=BookingOrigin.ALLOCATION)
    assert len(bookings) == 4
    events = await OutboxEvent.filter(kind="booking_created")
    assert sorted(e.booking_id or 0 for e in events) == sorted(b.id for b in bookings)
    assert await _taken(setup) == [1, 2, 1]
    assert (await AllocationRun.get(id=run.id)).status == AllocationStatus.APPLIED


@pytest.mark.postgres
async def test_an_apply_racing_a_booking_of_its_last_place_never_overbooks(
    postgres: None, setup: Setup
) -> None:
    run = await dry_run(setup)
    coordinator = await setup.world.actor(setup.world.coordinator_a)
    pupil_b = await setup.world.actor(setup.world.pupil_b_user)
    applied, booked = await asyncio.gather(
        apply_run(coordinator, run.id), book_slot(pupil_b, setup.slots[0].id)
    )
    # Slot P has one place: the proposal fills it, so exactly one of the two gets it.
    assert applied.ok != booked.ok
    p = await Slot.get(id=setup.slots[0].id)
    assert p.taken == await Booking.filter(slot_id=p.id).count() == 1
    if applied.ok:
        assert await Booking.filter(origin=BookingOrigin.ALLOCATION).count() == 4
    else:
        assert [e.code for e in applied.errors] == [ErrorCode.STALE_PROPOSAL]
        assert await Booking.filter(origin=BookingOrigin.ALLOCATION).count() == 0
        assert (await AllocationRun.get(id=run.id)).status == AllocationStatus.STALE
    assert await OutboxEvent.all().count() == await Booking.all().count()


async def test_an_apply_that_fails_half_way_leaves_nothing(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = await dry_run(setup)
    actor = await setup.world.actor(setup.world.coordinator_a)

    def fail(snapshot: dict[str, object]) -> str:
        raise RuntimeError("the process died after reserving the places")

    # Called once the places are reserved, before the bookings are written.
    monkeypatch.setattr(outbox, "snapshot_json", fail)
    with pytest.raises(RuntimeError):
        await apply_run(actor, run.id)
    assert await Booking.all().count() == 0
    assert await OutboxEvent.all().count() == 0
    assert await _taken(setup) == [0, 0, 0]
    assert (await AllocationRun.get(id=run.id)).status == AllocationStatus.DONE
    monkeypatch.undo()
    assert (await apply_run(actor, run.id)).ok  # and the proposal can still be applied
    assert await Booking.filter(origin=BookingOrigin.ALLOCATION).count() == 4
