"""A request's objects are freed when it is answered: a bookSlot leaves no reference cycle
holding its context, its request or its execution, which only the garbage collector could free
(and would then spend time on for every request in flight)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from api.context import Context
from api.dataloaders import Loaders
from api.execution import PraoExecutionContext
from prao.config import Settings
from prao.models import Pupil
from prao.services.booking_facts import BookingFacts
from server.app import GC_THRESHOLD, create_app
from tests.callers import gid
from tests.factories import World

BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status } errors { code field message }
} }"""
PER_REQUEST = (Context, Request, Loaders, PraoExecutionContext, BookingFacts, Pupil)


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """What the collector finds unreachable from here on, kept in gc.garbage to look at."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def cyclic(garbage: list[object]) -> list[str]:
    return sorted({type(o).__name__ for o in garbage if isinstance(o, PER_REQUEST)})


async def test_a_booking_leaves_no_cycle_behind(
    world: World, as_token, saved_garbage: list[object]
) -> None:
    api = await as_token(world.school_a)
    book = {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", world.pupil_a.id)}
    booked = await api.data(BOOK, {"input": book})
    assert booked["bookSlot"]["errors"] == []
    again = await api.data(BOOK, {"input": book})  # refused: the rules ran to the end
    assert again["bookSlot"]["errors"][0]["code"] == "ALREADY_BOOKED"
    gc.collect()
    assert cyclic(saved_garbage) == []


async def test_a_query_with_related_objects_leaves_no_cycle_behind(
    world: World, as_token, saved_garbage: list[object]
) -> None:
    api = await as_token(world.school_a)
    # The employers come through a DataLoader, made for this request.
    data = await api.data("query { slots(first: 5) { edges { node { employer { name } } } } }")
    assert data["slots"]["edges"]
    gc.collect()
    # The loaders a request used hold each other (and what they loaded), not the request.
    assert [name for name in cyclic(saved_garbage) if name != "Loaders"] == []


async def test_the_server_collects_young_objects_less_often(settings: Settings) -> None:
    before = gc.get_threshold()
    app = create_app(settings, manage_db=False)
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_threshold()[0] == GC_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
