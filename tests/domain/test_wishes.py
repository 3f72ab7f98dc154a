"""Wishes: add, reorder, remove; the window, the limit, visibility; ranks always 1..k."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prao.errors import ErrorCode
from prao.models import PeriodMode, SlotStatus, Wish
from prao.services.wishes import add_wish, move_wish, my_wishes, remove_wish, submit_wishes
from tests import factories
from tests.factories import World, at


@pytest.fixture
async def setup(world: World):
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=3)
    slots = [await factories.slot(world.employer, title=f"Plats {i}") for i in range(4)]
    return world, period, slots


async def ranks(pupil_id: int, period_id: int) -> list[tuple[int, int]]:
    return (
        await Wish.filter(pupil_id=pupil_id, period_id=period_id)
        .order_by("rank")
        .values_list("rank", "slot_id")
    )


async def test_add_reorder_remove_keeps_ranks_contiguous(setup) -> None:
    world, period, slots = setup
    alva = await world.actor(world.pupil_a_user)
    for s in slots[:3]:
        assert (await add_wish(alva, period.id, s.id)).ok
    a, b, c = (s.id for s in slots[:3])
    assert await ranks(world.pupil_a.id, period.id) == [(1, a), (2, b), (3, c)]
    assert (await move_wish(alva, period.id, c, up=True)).ok
    assert await ranks(world.pupil_a.id, period.id) == [(1, a), (2, c), (3, b)]
    assert (await move_wish(alva, period.id, a, up=True)).ok  # already first: unchanged
    assert (await move_wish(alva, period.id, a, up=False)).ok
    assert await ranks(world.pupil_a.id, period.id) == [(1, c), (2, a), (3, b)]
    assert (await remove_wish(alva, period.id, c)).ok
    assert await ranks(world.pupil_a.id, period.id) == [(1, a), (2, b)]
    shown = (await my_wishes(alva)).value
    assert shown is not None
    assert shown.period.id == period.id and shown.open_now
    assert [w.slot.title for w in shown.wishes] == ["Plats 0", "Plats 1"]


async def test_limit_duplicates_and_replacing_the_list(setup) -> None:
    world, period, slots = setup
    alva = await world.actor(world.pupil_a_user)
    ids = [s.id for s in slots]
    too_many = await submit_wishes(alva, period.id, ids)
    assert [e.code for e in too_many.errors] == [ErrorCode.TOO_MANY_WISHES]
    twice = await submit_wishes(alva, period.id, [ids[0], ids[0]])
    assert [e.code for e in twice.errors] == [ErrorCode.DUPLICATE]
    assert await ranks(world.pupil_a.id, period.id) == []
    assert (await submit_wishes(alva, period.id, ids[:3])).ok
    full = await add_wish(alva, period.id, ids[3])
    assert [e.code for e in full.errors] == [ErrorCode.TOO_MANY_WISHES]
    again = await add_wish(alva, period.id, ids[0])
    assert [e.code for e in again.errors] == [ErrorCode.DUPLICATE]
    assert (await submit_wishes(alva, period.id, [ids[2]])).ok
    assert await ranks(world.pupil_a.id, period.id) == [(1, ids[2])]
    assert (await submit_wishes(alva, period.id, [])).ok
    assert await ranks(world.pupil_a.id, period.id) == []


async def test_slots_not_open_to_her_are_refused(setup) -> None:
    world, period, slots = setup
    alva = await world.actor(world.pupil_a_user)
    draft = await factories.slot(world.employer, status=SlotStatus.DRAFT)
    adult = await factories.slot(world.employer, min_age=18)
    later = await factories.slot(
        world.employer,
        start_date=period.end_date + timedelta(days=30),
        end_date=period.end_date + timedelta(days=34),
    )
    foreign = await factories.slot(world.other_employer)
    assert (await submit_wishes(alva, period.id, [slots[0].id])).ok
    for slot_id, code in (
        (world.slot_b_only.id, ErrorCode.NOT_FOUND),  # another school's: does not exist for her
        (draft.id, ErrorCode.NOT_FOUND),
        (foreign.id, ErrorCode.NOT_FOUND),
        (adult.id, ErrorCode.TOO_YOUNG),
        (later.id, ErrorCode.DATES_DO_NOT_MATCH),
        (2**40, ErrorCode.NOT_FOUND),
    ):
        outcome = await submit_wishes(alva, period.id, [slots[1].id, slot_id])
        assert [e.code for e in outcome.errors] == [code], slot_id
        assert outcome.errors[0].field == "slot_ids" and "Önskemål 2" in outcome.errors[0].message
    assert await ranks(world.pupil_a.id, period.id) == [(1, slots[0].id)]


async def test_window_and_period_kind(world: World) -> None:
    alva = await world.actor(world.pupil_a_user)
    slot = world.slot
    later = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, open_now=False)
    closed = await factories.period(
        world.school_a,
        mode=PeriodMode.ALLOCATION,
        booking_opens_at=at(-10),
        booking_closes_at=at(-1),
    )
    for period in (later, closed):
        outcome = await submit_wishes(alva, period.id, [slot.id])
        assert [e.code for e in outcome.errors] == [ErrorCode.BOOKING_CLOSED]
    first_come = await submit_wishes(alva, world.period_a.id, [slot.id])
    assert [e.code for e in first_come.errors] == [ErrorCode.INVALID]
    other_school = await factories.period(world.school_b, mode=PeriodMode.ALLOCATION)
    theirs = await submit_wishes(alva, other_school.id, [slot.id])
    assert [e.code for e in theirs.errors] == [ErrorCode.NOT_FOUND]
    nine = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, year_group=9)
    wrong_year = await submit_wishes(alva, nine.id, [slot.id])
    assert [e.code for e in wrong_year.errors] == [ErrorCode.NOT_FOUND]
    assert await Wish.all().count() == 0


async def test_only_pupils_submit_wishes(setup) -> None:
    world, period, slots = setup
    for user in (world.coordinator_a, world.employer_user, world.admin):
        outcome = await submit_wishes(await world.actor(user), period.id, [slots[0].id])
        assert [e.code for e in outcome.errors] == [ErrorCode.FORBIDDEN]
    assert await Wish.all().count() == 0
