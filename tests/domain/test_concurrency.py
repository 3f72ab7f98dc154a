"""Races that SQLite hides: run on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio

import pytest

from prao.errors import ErrorCode
from prao.models import Booking, BookingStatus, Slot
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.factories import World

pytestmark = pytest.mark.postgres


async def test_200_concurrent_bookings_on_10_places(postgres: None) -> None:
    w = await factories.world()
    slot = await factories.slot(w.employer, capacity=10)
    pupils = [await factories.pupil(w.school_a) for _ in range(200)]
    coordinator = await w.actor(w.coordinator_a)
    outcomes = await asyncio.gather(
        *(book_slot(coordinator, slot.id, pupil_id=p.id) for p in pupils)
    )
    codes = [o.errors[0].code for o in outcomes if not o.ok]
    assert sum(o.ok for o in outcomes) == 10
    assert codes == [ErrorCode.SLOT_FULL] * 190
    assert await Booking.filter(slot_id=slot.id).count() == 10
    assert (await Slot.get(id=slot.id)).taken == 10


async def test_one_pupil_booking_twice_at_once_gets_one_booking(postgres: None) -> None:
    w = await factories.world()
    slots = [await factories.slot(w.employer, capacity=5) for _ in range(8)]
    actor = await w.actor(w.pupil_a_user)
    # the same slot twice and several different slots, all at once
    targets = [slots[0].id, slots[0].id, *(s.id for s in slots[1:])]
    outcomes = await asyncio.gather(*(book_slot(actor, sid) for sid in targets))
    assert sum(o.ok for o in outcomes) == 1
    assert {o.errors[0].code for o in outcomes if not o.ok} == {ErrorCode.ALREADY_BOOKED}
    assert await Booking.filter(pupil_id=w.pupil_a.id).count() == 1
    taken = sum([(await Slot.get(id=s.id)).taken for s in slots])
    assert taken == 1


async def test_concurrent_cancels_free_the_place_once(postgres: None, world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, world.slot.id)).value
    assert booking is not None
    coordinator = await world.actor(world.coordinator_a)
    outcomes = await asyncio.gather(
        *(cancel_booking(a, booking.id) for a in [actor, coordinator] * 5)
    )
    assert sum(o.ok for o in outcomes) == 1
    assert (await Slot.get(id=world.slot.id)).taken == 0
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED


async def test_book_and_cancel_storm_keeps_taken_equal_to_active_bookings(postgres: None) -> None:
    w = await factories.world()
    slot = await factories.slot(w.employer, capacity=3)
    pupils = [await factories.pupil(w.school_a) for _ in range(30)]
    coordinator = await w.actor(w.coordinator_a)

    async def book_then_cancel(pupil_id: int) -> None:
        outcome = await book_slot(coordinator, slot.id, pupil_id=pupil_id)
        if outcome.value is not None and pupil_id % 2:
            await cancel_booking(coordinator, outcome.value.id)

    for _ in range(3):
        await asyncio.gather(*(book_then_cancel(p.id) for p in pupils))
    active = await Booking.filter(
        slot_id=slot.id, status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING]
    ).count()
    fresh = await Slot.get(id=slot.id)
    assert fresh.taken == active <= fresh.capacity
