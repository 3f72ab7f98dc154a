"""Sign-in by e-mailed link: request, open, press the button; once only; sign out."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from prao import clock
from prao.auth import issue_sign_in_token
from prao.config import Settings
from prao.models import OutboxMessage, SignInToken
from tests.callers import main_text, token_of
from tests.conftest import csrf_from
from tests.factories import World

LINK_RE = re.compile(r"http://testserver/logga-in/([A-Za-z0-9_\-]+)")


async def request_link(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await token_of(client, "/logga-in")
    return await client.post("/logga-in", data={"email": email, "csrf_token": token})


async def open_link(client: httpx.AsyncClient, raw: str) -> httpx.Response:
    page = await client.get(f"/logga-in/{raw}")
    assert page.status_code == 200
    return await client.post(f"/logga-in/{raw}", data={"csrf_token": csrf_from(page.text)})


async def test_requesting_a_link_writes_it_to_the_outbox(client: httpx.AsyncClient, world: World):
    answer = await request_link(client, "  ALVA.user@example.se ")
    assert answer.status_code == 200
    assert "Kolla din e-post" in answer.text
    [message] = await OutboxMessage.filter(kind="sign_in_link")
    assert message.to_address == "alva.user@example.se"
    assert LINK_RE.search(message.body)


async def test_unknown_address_gets_the_same_answer_and_no_message(
    client: httpx.AsyncClient, world: World
):
    known = await request_link(client, "alva.user@example.se")
    unknown = await request_link(client, "nobody@example.se")
    assert unknown.status_code == known.status_code == 200

    def normalise(response: httpx.Response, email: str) -> str:
        return main_text(response.text).replace(email, "ADDRESS")

    assert normalise(unknown, "nobody@example.se") == normalise(known, "alva.user@example.se")
    assert await OutboxMessage.filter(to_address="nobody@example.se").count() == 0
    assert await OutboxMessage.all().count() == 1


async def test_empty_or_broken_address_is_asked_again(client: httpx.AsyncClient, world: World):
    answer = await request_link(client, "inte-en-adress")
    assert answer.status_code == 422
    assert "Skriv en hel e-postadress" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await OutboxMessage.all().count() == 0


async def test_link_signs_in_once_and_opening_it_does_not_use_it(
    client: httpx.AsyncClient, world: World, browser_for
):
    await request_link(client, "alva.user@example.se")
    message = await OutboxMessage.get(kind="sign_in_link")
    match = LINK_RE.search(message.body)
    assert match
    raw = match.group(1)

    # A mail scanner fetching the link must not use it up.
    async with browser_for(None) as scanner:
        assert (await scanner.get(f"/logga-in/{raw}")).status_code == 200
    assert (await SignInToken.get()).used_at is None

    done = await open_link(client, raw)
    assert done.status_code == 303
    assert done.headers["location"] == "/platser"
    assert (await client.get("/mina-bokningar")).status_code == 200

    async with browser_for(None) as other:
        again = await open_link(other, raw)
        assert again.status_code == 400
        assert "Länken fungerar inte" in again.text
        assert 'action="/logga-in"' in again.text  # a way to ask for a new one
        assert (await other.get("/mina-bokningar")).headers["location"] == "/logga-in"


async def test_expired_link_is_refused(client: httpx.AsyncClient, world: World, settings: Settings):
    raw = await issue_sign_in_token(world.pupil_a_user, settings)
    await SignInToken.all().update(expires_at=clock.now() - timedelta(seconds=1))
    answer = await open_link(client, raw)
    assert answer.status_code == 400
    assert "har gått ut" in answer.text
    assert (await client.get("/mina-bokningar")).status_code == 303


async def test_link_post_without_csrf_is_refused_and_the_link_stays_usable(
    client: httpx.AsyncClient, world: World, settings: Settings
):
    raw = await issue_sign_in_token(world.pupil_a_user, settings)
    await client.get(f"/logga-in/{raw}")
    refused = await client.post(f"/logga-in/{raw}", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert "ingenting ändrades" in refused.text
    assert (await SignInToken.get()).used_at is None
    assert (await open_link(client, raw)).status_code == 303


async def test_requesting_a_link_without_csrf_sends_nothing(
    client: httpx.AsyncClient, world: World
):
    refused = await client.post("/logga-in", data={"email": "alva.user@example.se"})
    assert refused.status_code == 403
    assert await OutboxMessage.all().count() == 0


async def test_staff_and_employers_land_on_their_start_page(
    world: World, settings: Settings, browser_for
):
    for user in (world.coordinator_a, world.admin, world.employer_user):
        async with browser_for(None) as c:
            raw = await issue_sign_in_token(user, settings)
            done = await open_link(c, raw)
            assert done.headers["location"] == "/oversikt"
            assert (await c.get("/oversikt")).status_code == 200


async def test_sign_out_needs_csrf_and_ends_the_session(world: World, browser_for):
    async with browser_for(world.pupil_a_user) as c:
        assert (await c.post("/logga-ut")).status_code == 403
        assert (await c.get("/mina-bokningar")).status_code == 200
        out = await c.post("/logga-ut", data={"csrf_token": await token_of(c, "/mina-bokningar")})
        assert out.status_code == 303
        assert (await c.get("/mina-bokningar")).headers["location"] == "/logga-in"


async def test_signed_in_person_visiting_sign_in_goes_to_start(world: World, browser_for):
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get("/logga-in")
        assert page.status_code == 303
        assert page.headers["location"] == "/platser"
