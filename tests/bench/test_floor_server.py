"""The booking rush's floor server answers as Prao does: the same request, the same outcome for
a booking, a pupil booked already, a full slot, a slot not listed for the school, another
organiser's slot and another school's pupil; and it writes the booking, the place and one
outbox event, nothing for a refusal. A floor that skipped a check would flatter the ratio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bench.floor_server import create_app
from prao.auth import create_api_token
from prao.models import Booking, OutboxEvent, Slot
from tests import factories
from tests.callers import gid
from tests.factories import World

pytestmark = pytest.mark.postgres

BOOK = """mutation($input: BookSlotInput!) {
  bookSlot(input: $input) { booking { id status } errors { code field } }
}"""


@pytest.fixture
async def floor(database_url: str, postgres: None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            yield client


async def book(client: httpx.AsyncClient, raw: str, pupil_id: int, slot_id: int) -> str:
    variables = {"input": {"slotId": gid("Slot", slot_id), "pupilId": gid("Pupil", pupil_id)}}
    response = await client.post(
        "/graphql",
        json={"query": BOOK, "variables": variables},
        headers={"Authorization": f"Bearer {raw}", "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]["bookSlot"]
    if result["errors"]:
        return f"{result['errors'][0]['code']} {result['errors'][0]['field']}"
    assert result["booking"]["status"] == "CONFIRMED"
    return "BOOKED"


async def outcomes(client: httpx.AsyncClient, world: World) -> list[str]:
    """One scenario, run against either server on the same fresh world."""
    _, raw = await create_api_token("Skolsystem", school=world.school_a)
    third = await factories.pupil(world.school_a)
    fourth = await factories.pupil(world.school_a)
    elsewhere = await factories.slot(world.other_employer)
    return [
        await book(client, raw, world.pupil_a.id, world.slot.id),
        await book(client, raw, world.pupil_a.id, world.slot.id),
        await book(client, raw, world.pupil_a2.id, world.slot.id),
        await book(client, raw, third.id, world.slot.id),
        await book(client, raw, third.id, world.slot_b_only.id),
        await book(client, raw, third.id, elsewhere.id),
        await book(client, raw, world.pupil_b.id, world.slot.id),
        await book(client, raw, fourth.id, 2**31 - 1),
    ]


EXPECTED = [
    "BOOKED",
    "ALREADY_BOOKED slotId",
    "BOOKED",  # the slot's second and last place
    "SLOT_FULL slotId",
    "NOT_VISIBLE slotId",
    "NOT_FOUND slotId",
    "NOT_FOUND pupilId",
    "NOT_FOUND slotId",
]


async def test_prao_answers_the_scenario_so(
    world: World, client: httpx.AsyncClient, postgres: None
) -> None:
    assert await outcomes(client, world) == EXPECTED


async def test_the_floor_answers_it_as_prao_does_and_writes_what_prao_writes(
    world: World, floor: httpx.AsyncClient
) -> None:
    assert await outcomes(floor, world) == EXPECTED
    bookings = await Booking.filter(slot_id=world.slot.id).order_by("id")
    assert [b.pupil_id for b in bookings] == [world.pupil_a.id, world.pupil_a2.id]
    assert (await Slot.get(id=world.slot.id)).taken == 2
    events = await OutboxEvent.all().order_by("id")
    assert [(e.kind, e.booking_id) for e in events] == [("booking_created", b.id) for b in bookings]
    assert events[0].snapshot["status"] == "confirmed"
    assert events[0].snapshot["slot"]["title"] == world.slot.title  # type: ignore[index]


async def test_the_floor_refuses_an_unknown_token(world: World, floor: httpx.AsyncClient) -> None:
    variables = {"input": {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", 1)}}
    response = await floor.post(
        "/graphql",
        json={"query": BOOK, "variables": variables},
        headers={"Authorization": "Bearer prao_finns-inte"},
    )
    assert response.json()["data"] is None
    assert not await Booking.exists()
