"""prao.pagination: a page whose queryset's SQL is cached by shape is the page the ORM builds,
for every window (first/last, after/before) and with the sync bounds, on either database."""

from __future__ import annotations

from datetime import timedelta

from prao import clock, policy
from prao.models import Slot
from prao.pagination import _SHAPES, MAX_SHAPES, Order, Window, keyset_page
from prao.services.catalogue import SlotFilter, filtered_slots
from tests import factories
from tests.factories import World


async def test_a_shaped_page_is_the_page_the_orm_builds(world: World) -> None:
    for i in range(9):
        await factories.slot(world.employer, title=f"Plats {i}")
    # Some slots changed at the same moment: the (updated_at, id) order needs its tie-break.
    same = clock.now() - timedelta(minutes=5)
    await Slot.filter(employer_id=world.employer.id, title__in=["Plats 3", "Plats 4"]).update(
        updated_at=same
    )
    actor = await world.actor(world.coordinator_a)
    every = await filtered_slots(actor, SlotFilter()).order_by("id")
    assert len(every) > 8
    by_update = sorted(every, key=lambda s: (s.updated_at, s.id))
    middle = by_update[len(by_update) // 2]
    windows = [
        Window(first=3),
        Window(first=100),
        Window(first=0),
        Window(first=3, after=(every[2].id,)),
        Window(last=2),
        Window(last=2, before=(every[-2].id,)),
        Window(first=2, after=(every[1].id,), before=(every[6].id,)),
        Window(first=4, after=(2**40,)),  # beyond any id: clamped, nothing after
    ]
    bounds = [None, (clock.now() - timedelta(days=1), clock.now() + timedelta(days=1))]
    for order in Order:
        for window in windows:
            if order is Order.UPDATED and window.after is not None:
                window = Window(first=window.first, after=(middle.updated_at, middle.id))
            if order is Order.UPDATED and window.before is not None:
                window = Window(last=window.last, before=(middle.updated_at, middle.id))
            for updated in bounds:
                shape = ("test", actor, order, window, updated)
                qs = filtered_slots(actor, SlotFilter())
                ours = await keyset_page(qs, order, window, updated=updated, shape=shape)
                theirs = await keyset_page(qs, order, window, updated=updated)
                assert [s.id for s in ours.items] == [s.id for s in theirs.items], (order, window)
                assert (ours.has_next, ours.has_previous) == (theirs.has_next, theirs.has_previous)
    # A window of only the sync bounds leaves out what changed outside them.
    early = (same - timedelta(days=1), same + timedelta(seconds=1))
    qs = filtered_slots(actor, SlotFilter())
    page = await keyset_page(qs, Order.UPDATED, Window(first=10), updated=early, shape="early")
    assert {s.title for s in page.items} == {"Plats 3", "Plats 4"}


async def test_the_shape_cache_keeps_each_scope_apart_and_stays_bounded(world: World) -> None:
    school = await world.actor(world.coordinator_a)
    employer = await world.actor(world.employer_user)
    nobody = await world.actor(world.pupil_b_user)
    for actor in (school, employer, nobody):
        qs = policy.slots(actor)
        ours = await keyset_page(qs, Order.ID, Window(first=50), shape=("scope", actor))
        assert [s.id for s in ours.items] == [s.id for s in await qs.order_by("id")]
    for i in range(MAX_SHAPES + 5):
        await keyset_page(policy.slots(school), Order.ID, Window(first=1), shape=("many", i))
    assert len(_SHAPES) <= MAX_SHAPES
