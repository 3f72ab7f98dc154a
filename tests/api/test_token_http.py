"""Bearer tokens over HTTP: each refusal gets a 401 saying why, and permissions hold."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx

from prao import clock
from prao.auth import create_api_token
from prao.config import TIMEZONE
from prao.models import ApiToken, Booking, Permission
from tests.callers import gid
from tests.factories import World

VIEWER = {"query": "{ viewer { kind } }"}
BOOK = """mutation($input: BookSlotInput!) {
  bookSlot(input: $input) { booking { id } errors { code } }
}"""


async def ask(client: httpx.AsyncClient, raw: str, body: Mapping[str, object]) -> httpx.Response:
    return await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {raw}"})


async def test_revoked_expired_and_unknown_tokens_each_say_why(
    world: World, client: httpx.AsyncClient
) -> None:
    revoked, revoked_raw = await create_api_token("Gammal", school=world.school_a)
    await ApiToken.filter(id=revoked.id).update(revoked_at=clock.now())
    expired_at = datetime(2026, 3, 1, 0, 0, tzinfo=TIMEZONE)
    _, expired_raw = await create_api_token(
        "Utgången", school=world.school_a, expires_at=expired_at
    )
    cases = {
        revoked_raw: "API-token är återkallad.",
        expired_raw: "API-token gick ut 2026-03-01 00:00.",
        "prao_finns-inte": "Okänd API-token.",
    }
    for raw, message in cases.items():
        response = await ask(client, raw, VIEWER)
        assert response.status_code == 401, raw
        assert response.json() == {"errors": [{"message": message}]}
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_working_token_still_works(world: World, client: httpx.AsyncClient) -> None:
    _, raw = await create_api_token(
        "Ny", school=world.school_a, expires_at=clock.now() + timedelta(days=1)
    )
    response = await ask(client, raw, VIEWER)
    assert response.status_code == 200 and response.json()["data"]["viewer"]["kind"] == "TOKEN"


async def test_a_read_only_token_cannot_book_over_graphql(
    world: World, client: httpx.AsyncClient
) -> None:
    _, raw = await create_api_token(
        "Läsare", school=world.school_a, permissions=frozenset({Permission.READ})
    )
    variables = {
        "input": {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", world.pupil_a.id)}
    }
    response = await ask(client, raw, {"query": BOOK, "variables": variables})
    assert response.status_code == 200
    payload = response.json()["data"]["bookSlot"]
    assert payload == {"booking": None, "errors": [{"code": "FORBIDDEN"}]}
    assert await Booking.all().count() == 0
