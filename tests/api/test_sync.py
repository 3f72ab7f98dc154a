"""Incremental sync: a school system that pages `updatedSince` while bookings change ends up with
exactly the database's bookings, and never gets the same version of a row twice."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import pytest
from tortoise import connections

from prao import sync
from prao.models import Booking, BookingStatus, Pupil
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.callers import Caller, gid
from tests.factories import World

BOOKINGS = """
query($since: DateTime!, $after: String) {
  bookings(first: 7, updatedSince: $since, after: $after) {
    nodes { id status updatedAt }
    pageInfo { hasNextPage endCursor }
    syncedUntil
  }
}
"""

EPOCH = "2000-01-01T00:00:00+00:00"


class SyncClient:
    """What a school system does: page to the end, keep syncedUntil, upsert by id."""

    def __init__(self, api: Caller, query: str = BOOKINGS, field: str = "bookings") -> None:
        self.api, self.query, self.field = api, query, field
        self.since = EPOCH
        self.copy: dict[str, dict[str, Any]] = {}
        self.versions_seen: list[tuple[str, str]] = []

    async def sync(self) -> None:
        after = None
        while True:
            data = await self.api.data(self.query, {"since": self.since, "after": after})
            page = data[self.field]
            for node in page["nodes"]:
                self.copy[node["id"]] = node
                self.versions_seen.append((node["id"], node["updatedAt"]))
            if not page["pageInfo"]["hasNextPage"]:
                self.since = page["syncedUntil"]
                return
            after = page["pageInfo"]["endCursor"]


def _as_copy(booking: Booking) -> tuple[str, str]:
    return gid("Booking", booking.id), booking.status.value.upper()


async def test_sync_while_bookings_change_ends_equal_to_the_database(
    world: World, as_token
) -> None:
    pupils = [await factories.pupil(world.school_a) for _ in range(30)]
    slots = [await factories.slot(world.employer, capacity=4) for _ in range(6)]
    staff = await world.actor(world.coordinator_a)
    rng = random.Random(7)
    writing = True

    async def writer() -> None:
        nonlocal writing
        for step in range(90):
            pupil = rng.choice(pupils)
            active = await Booking.filter(
                pupil_id=pupil.id, status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING]
            ).first()
            if active is not None and rng.random() < 0.5:
                assert (await cancel_booking(staff, active.id, "byter")).ok
            elif active is None:
                await book_slot(staff, rng.choice(slots).id, pupil.id)  # full slots refuse
            if step % 3 == 0:
                await asyncio.sleep(0)
        writing = False

    client = SyncClient(await as_token(world.school_a))
    task = asyncio.create_task(writer())
    rounds = 0
    while writing:
        await client.sync()
        rounds += 1
        await asyncio.sleep(0)
    await task
    # Changes from the last moment are held back until the horizon has passed them.
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    await client.sync()

    in_db = {
        _as_copy(b) for b in await Booking.filter(pupil__school_id=world.school_a.id).order_by("id")
    }
    assert {(key, node["status"]) for key, node in client.copy.items()} == in_db
    assert any(status == "CANCELLED" for _, status in in_db)  # cancellations came through
    assert rounds > 1
    # No version of a row was delivered twice.
    assert len(client.versions_seen) == len(set(client.versions_seen))


async def test_sync_order_is_updated_at_then_id_and_a_change_moves_a_row_last(
    world: World, as_token
) -> None:
    staff = await world.actor(world.coordinator_a)
    roomy = await factories.slot(world.employer, capacity=5)
    made = []
    for _ in range(3):
        pupil = await factories.pupil(world.school_a)
        made.append((await book_slot(staff, roomy.id, pupil.id)).value)
    assert all(made)
    first = made[0]
    assert first is not None
    assert (await cancel_booking(staff, first.id, "")).ok
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)

    api = await as_token(world.school_a)
    data = await api.data(BOOKINGS, {"since": EPOCH, "after": None})
    nodes = data["bookings"]["nodes"]
    stamps = [(datetime.fromisoformat(n["updatedAt"]), n["id"]) for n in nodes]
    assert stamps == sorted(stamps)
    assert nodes[-1]["id"] == gid("Booking", first.id)
    assert nodes[-1]["status"] == "CANCELLED"


async def test_pupils_and_slots_sync_too(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    pupils = SyncClient(
        api,
        """query($since: DateTime!, $after: String) {
          pupils(first: 5, updatedSince: $since, after: $after) {
            nodes { id firstName updatedAt } pageInfo { hasNextPage endCursor } syncedUntil
          }
        }""",
        "pupils",
    )
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    await pupils.sync()
    expected = {gid("Pupil", p.id) for p in await Pupil.filter(school_id=world.school_a.id)}
    assert set(pupils.copy) == expected

    renamed = world.pupil_a
    renamed.first_name = "Ny"
    await renamed.save()
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    before = len(pupils.versions_seen)
    await pupils.sync()
    assert pupils.versions_seen[before:] == [
        (gid("Pupil", renamed.id), pupils.copy[gid("Pupil", renamed.id)]["updatedAt"])
    ]
    assert pupils.copy[gid("Pupil", renamed.id)]["firstName"] == "Ny"

    slots = SyncClient(
        api,
        """query($since: DateTime!, $after: String) {
          slots(first: 5, updatedSince: $since, after: $after) {
            nodes { id status placesLeft updatedAt } pageInfo { hasNextPage endCursor } syncedUntil
          }
        }""",
        "slots",
    )
    await slots.sync()
    assert gid("Slot", world.slot.id) in slots.copy
    staff = await world.actor(world.coordinator_a)
    assert (await book_slot(staff, world.slot.id, world.pupil_a2.id)).ok
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    await slots.sync()
    # Taking a place changes placesLeft, so the slot is sent again.
    assert slots.copy[gid("Slot", world.slot.id)]["placesLeft"] == world.slot.capacity - 1


@pytest.mark.postgres
async def test_an_open_transaction_holds_the_horizon_back(
    postgres: None, world: World, as_token
) -> None:
    """A long transaction (an allocation being applied) commits rows stamped before rows others
    have committed since: the horizon waits for it, so a client cannot skip past them."""
    staff = await world.actor(world.coordinator_a)
    api = await as_token(world.school_a)
    client = SyncClient(api)
    await client.sync()

    pool = connections.get("default")
    async with pool.acquire_connection() as raw:  # an asyncpg connection outside Tortoise's
        transaction = raw.transaction()
        await transaction.start()
        await raw.execute("SELECT 1")  # the transaction is open from here
        opened = await raw.fetchval("SELECT now()")
        await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
        booked = await book_slot(staff, world.slot.id, world.pupil_a.id)
        assert booked.ok and booked.value is not None
        await client.sync()
        # The booking committed, but it is after the open transaction's start: held back.
        assert gid("Booking", booked.value.id) not in client.copy
        assert datetime.fromisoformat(client.since) <= opened
        late = await raw.fetchval(
            "UPDATE booking SET updated_at = $1 WHERE id = $2 RETURNING id", opened, booked.value.id
        )
        assert late == booked.value.id
        await transaction.commit()

    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    await client.sync()
    # The row stamped at the old transaction's start still arrives.
    assert gid("Booking", booked.value.id) in client.copy
