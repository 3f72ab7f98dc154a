"""What each person may see, and the catalogue filters pupils use."""

from __future__ import annotations

from datetime import timedelta

from prao import policy
from prao.models import SlotStatus
from prao.pagination import check_first
from prao.services.catalogue import SlotFilter, facets, list_slots
from tests import factories
from tests.db import column
from tests.factories import World


async def titles(world: World, user, flt: SlotFilter | None = None) -> set[str]:
    page = await list_slots(await world.actor(user), flt or SlotFilter(), first=100)
    return {s.title for s in page.items}


async def test_pupils_see_published_slots_open_to_their_school(world: World) -> None:
    await factories.slot(world.employer, title="Utkast", status=SlotStatus.DRAFT)
    await factories.slot(world.employer, title="Stängd", status=SlotStatus.CLOSED)
    await factories.slot(world.other_employer, title="Annan kommun")
    assert await titles(world, world.pupil_a_user) == {"Bagare"}
    assert await titles(world, world.pupil_b_user) == {"Bagare", "Barista"}
    assert await titles(world, world.coordinator_a) == {"Bagare", "Stängd"}
    assert await titles(world, world.employer_user) == {"Bagare", "Barista", "Utkast", "Stängd"}
    assert await titles(world, world.other_employer_user) == {"Annan kommun"}


async def test_filters(world: World) -> None:
    start = world.slot.start_date
    await factories.slot(
        world.employer,
        title="Snickare",
        trade="Bygg",
        city="Tvååker",
        description="Bygga hus",
        start_date=start + timedelta(days=7),
    )
    assert await titles(world, world.pupil_a_user, SlotFilter(text="bygga")) == {"Snickare"}
    assert await titles(world, world.pupil_a_user, SlotFilter(text="café solen")) == {
        "Bagare",
        "Snickare",
    }
    assert await titles(world, world.pupil_a_user, SlotFilter(trade="Bygg")) == {"Snickare"}
    assert await titles(world, world.pupil_a_user, SlotFilter(city="Varberg")) == {"Bagare"}
    assert await titles(
        world, world.pupil_a_user, SlotFilter(date_to=start + timedelta(days=1))
    ) == {"Bagare"}
    await world.slot.filter(id=world.slot.id).update(taken=2)
    assert await titles(world, world.pupil_a_user, SlotFilter(available_only=True)) == {"Snickare"}
    trades, cities = await facets(await world.actor(world.pupil_a_user))
    assert trades == ["Bygg", "Restaurang och café"] and cities == ["Tvååker", "Varberg"]


async def test_keyset_pages_cover_everything_once(world: World) -> None:
    for i in range(25):
        await factories.slot(world.employer, title=f"Plats {i:02d}")
    actor = await world.actor(world.pupil_a_user)
    seen: list[int] = []
    after = None
    while True:
        page = await list_slots(actor, SlotFilter(), first=10, after_id=after)
        assert page.total_count == 26
        seen += [s.id for s in page.items]
        if not page.has_next:
            break
        after = page.items[-1].id
    assert len(seen) == len(set(seen)) == 26
    assert check_first(101) is not None and check_first(-1) is not None
    assert check_first(100) is None


async def test_scopes_for_pupils_and_bookings(world: World) -> None:
    assert await policy.pupils(await world.actor(world.pupil_a_user)).count() == 1
    assert await policy.pupils(await world.actor(world.employer_user)).count() == 0
    assert set(await column(policy.pupils(await world.actor(world.coordinator_a)), "id")) == {
        world.pupil_a.id,
        world.pupil_a2.id,
    }
    assert await policy.pupils(await world.actor(world.admin)).count() == 3
