"""A school system's sync sees erasures: after the retention job (or a coordinator's erasure),
`pupils(updatedSince:)` and `bookings(updatedSince:)` return the erased rows once, as
tombstones with nothing personal, and the next sync returns nothing more."""

from __future__ import annotations

import asyncio

from prao import sync
from prao.services import retention
from prao.services.booking import book_slot
from tests.api.test_sync import SyncClient
from tests.callers import gid
from tests.factories import World


async def past_the_horizon() -> None:
    """A sync holds back what changed within the last moment (prao.sync.MARGIN)."""
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.1)


PUPILS = """
query($since: DateTime!, $after: String) {
  pupils(first: 2, updatedSince: $since, after: $after) {
    nodes { id erased firstName lastName className email externalId updatedAt }
    pageInfo { hasNextPage endCursor }
    syncedUntil
  }
}
"""

BOOKINGS = """
query($since: DateTime!, $after: String) {
  bookings(first: 2, updatedSince: $since, after: $after) {
    nodes {
      id erased status reason updatedAt
      pupil { id erased firstName }
      guardianConsents { decision }
    }
    pageInfo { hasNextPage endCursor }
    syncedUntil
  }
}
"""


async def test_a_sync_client_sees_the_retention_jobs_erasures(world: World, as_token) -> None:
    staff = await world.actor(world.coordinator_a)
    booked = await book_slot(staff, world.slot.id, world.pupil_a.id)
    assert booked.value is not None
    api = await as_token(world.school_a)
    await past_the_horizon()
    pupils, bookings = SyncClient(api, PUPILS, "pupils"), SyncClient(api, BOOKINGS, "bookings")
    await pupils.sync()
    await bookings.sync()
    alva, hugo = gid("Pupil", world.pupil_a.id), gid("Pupil", world.pupil_a2.id)
    assert pupils.copy[alva]["firstName"] == "Alva" and not pupils.copy[alva]["erased"]
    booking = gid("Booking", booked.value.id)
    assert bookings.copy[booking]["erased"] is False
    seen = len(pupils.versions_seen), len(bookings.versions_seen)
    # Nothing changed: the next sync brings nothing.
    await pupils.sync()
    await bookings.sync()
    assert (len(pupils.versions_seen), len(bookings.versions_seen)) == seen
    await retention.erase_expired(retention.months_before(world.period_a.end_date, -13))
    await past_the_horizon()
    await pupils.sync()
    await bookings.sync()
    new_pupils = pupils.versions_seen[seen[0] :]
    assert sorted(pid for pid, _ in new_pupils) == sorted([alva, hugo])
    for pid in (alva, hugo):
        tombstone = pupils.copy[pid]
        assert tombstone["erased"] is True
        assert (tombstone["firstName"], tombstone["lastName"], tombstone["className"]) == (
            "",
            "",
            "",
        )
        assert tombstone["email"] is None and tombstone["externalId"] is None
    assert [b for b, _ in bookings.versions_seen[seen[1] :]] == [booking]
    erased = bookings.copy[booking]
    assert erased["erased"] is True and erased["reason"] == "" and erased["status"] == "CONFIRMED"
    assert erased["pupil"] == {"id": alva, "erased": True, "firstName": ""}
    assert erased["guardianConsents"] == []
    # Once: the next sync returns nothing more.
    counts = len(pupils.versions_seen), len(bookings.versions_seen)
    await pupils.sync()
    await bookings.sync()
    assert (len(pupils.versions_seen), len(bookings.versions_seen)) == counts
