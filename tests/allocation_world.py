"""An allocation period at school A with wishes, on top of the shared world: the `setup`
fixture of the allocation tests in every package's folder."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prao.models import Period, PeriodMode, Pupil, Slot, Wish
from tests import factories
from tests.factories import World


@dataclass
class Setup:
    world: World
    period: Period
    pupils: list[Pupil]
    slots: list[Slot]


async def wish(pupil: Pupil, period: Period, *slots: Slot) -> None:
    for rank, slot in enumerate(slots, start=1):
        await Wish.create(pupil_id=pupil.id, period_id=period.id, slot_id=slot.id, rank=rank)


@pytest.fixture
async def setup(world: World) -> Setup:
    """Four pupils at school A; slot P (1 place), Q (2 places), R (1 place).
    Everyone wants P first: the optimum places all four."""
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=3)
    more = [await factories.pupil(world.school_a) for _ in range(2)]
    pupils = [world.pupil_a, world.pupil_a2, *more]
    p = await factories.slot(world.employer, title="Plats P", capacity=1)
    q = await factories.slot(world.employer, title="Plats Q", capacity=2)
    r = await factories.slot(world.employer, title="Plats R", capacity=1)
    await wish(pupils[0], period, p, q)
    await wish(pupils[1], period, p, r)
    await wish(pupils[2], period, p, q)
    await wish(pupils[3], period, p)
    return Setup(world=world, period=period, pupils=pupils, slots=[p, q, r])
