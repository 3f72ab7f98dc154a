"""The endpoint itself: bearer tokens, CSRF for cookie sessions, GraphiQL and introspection."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx

from api.app import PraoGraphQL
from api.limits import MAX_BODY_BYTES
from prao import clock
from prao.auth import create_api_token
from prao.config import Settings
from prao.models import ApiToken, Booking
from server.app import create_app
from tests.callers import gid
from tests.conftest import make_settings
from tests.factories import World

BOOK = """mutation($input: BookSlotInput!) {
  bookSlot(input: $input) { booking { id } errors { code } }
}"""


async def test_cookie_mutation_without_csrf_header_is_refused(world: World, as_user) -> None:
    pupil = await as_user(world.pupil_a_user)
    body = {"query": BOOK, "variables": {"input": {"slotId": gid("Slot", world.slot.id)}}}
    for headers in [{}, {"X-CSRF-Token": "fel"}, {"X-CSRF-Token": ""}]:
        response = await pupil.client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 403, headers
        assert response.json()["errors"][0]["message"].startswith("CSRF")
    assert await Booking.all().count() == 0

    read = await pupil.client.post("/graphql", json={"query": "{ viewer { kind } }"})
    assert read.status_code == 403  # every cookie POST: a query can write the audit log too

    response = await pupil.client.post("/graphql", json=body, headers=pupil.headers)
    assert response.status_code == 200 and response.json()["data"]["bookSlot"]["errors"] == []
    assert await Booking.all().count() == 1


async def test_cookie_reads_by_get_need_no_csrf_but_mutations_by_get_never_run(
    world: World, as_user
) -> None:
    pupil = await as_user(world.pupil_a_user)
    response = await pupil.client.get("/graphql", params={"query": "{ viewer { kind role } }"})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"kind": "USER", "role": "PUPIL"}

    slot_id = gid("Slot", world.slot.id)
    mutation = f'mutation {{ bookSlot(input: {{slotId: "{slot_id}"}}) {{ errors {{ code }} }} }}'
    response = await pupil.client.get("/graphql", params={"query": mutation})
    assert response.status_code == 405  # GraphQL over HTTP: mutations only by POST
    assert response.headers["allow"] == "POST"
    assert await Booking.all().count() == 0


async def test_anonymous_and_token_posts_need_no_csrf(world: World, anonymous, as_token) -> None:
    assert (await anonymous.data("{ viewer { kind } }"))["viewer"]["kind"] == "ANONYMOUS"
    api = await as_token(world.school_a)
    variables = {
        "input": {"slotId": gid("Slot", world.slot.id), "pupilId": gid("Pupil", world.pupil_a.id)}
    }
    assert (await api.data(BOOK, variables))["bookSlot"]["errors"] == []


async def test_bad_bearer_tokens_get_401(world: World, client: httpx.AsyncClient) -> None:
    revoked, revoked_raw = await create_api_token("Gammal", school=world.school_a)
    await ApiToken.filter(id=revoked.id).update(revoked_at=clock.now())
    expired, expired_raw = await create_api_token("Utgången", school=world.school_a)
    await ApiToken.filter(id=expired.id).update(expires_at=clock.now() - timedelta(seconds=1))
    expected = {
        revoked_raw: "API-token är återkallad.",
        expired_raw: "API-token gick ut ",
        "prao_okänd".encode().hex(): "Okänd API-token.",
        "x": "Okänd API-token.",
    }
    for raw, message in expected.items():
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { kind } }"},
            headers={"Authorization": f"Bearer {raw}"},
        )
        assert response.status_code == 401, raw
        (error,) = response.json()["errors"]
        assert error["message"].startswith(message), (raw, error)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_bad_bearer_token_is_not_rescued_by_a_session(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    headers = {**coordinator.headers, "Authorization": "Bearer prao_fel"}
    response = await coordinator.client.post(
        "/graphql", json={"query": "{ viewer { kind } }"}, headers=headers
    )
    assert response.status_code == 401


async def test_graphiql_in_demo_mode_sends_our_csrf_header(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    page = await coordinator.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert f'<meta name="csrf-token" content="{coordinator.headers["X-CSRF-Token"]}">' in page.text
    assert 'defaultHeaders["x-csrf-token"]' in page.text and "csrftoken" not in page.text
    csp = page.headers["content-security-policy"]
    assert "'sha256-" in csp and "'unsafe-eval'" not in csp
    # Nothing from another origin: its scripts and styles are our own vendored copies.
    assert "https:" not in csp and "http:" not in csp
    assert "unpkg" not in page.text and "js-cookie" not in page.text
    assets = re.findall(r'(?:src|href)="(/static/graphiql/[^"]+)"', page.text)
    assert len(assets) == 6
    for asset in assets:
        answer = await coordinator.client.get(asset)
        assert answer.status_code == 200, asset
        assert "immutable" in answer.headers["cache-control"], asset


async def test_production_has_no_graphiql_and_no_introspection(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    production = make_settings(settings.database_url, tmp_path, demo=False, graphiql=False)
    app = create_app(production, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        response = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert response.status_code == 200  # application/json: a validation error is still 200
        assert "data" not in response.json()  # refused before execution: no data at all
        assert "introspection" in response.json()["errors"][0]["message"].lower()
        response = await client.post("/graphql", json={"query": "{ viewer { kind } }"})
        assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}


async def test_introspection_in_demo_mode(anonymous) -> None:
    data = await anonymous.data("{ __schema { queryType { name } } }")
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_oversized_request_body_is_refused(anonymous) -> None:
    query = "{ viewer { kind } }" + " " * MAX_BODY_BYTES
    response = await anonymous.post(query)
    assert response.status_code == 413


def test_answers_are_written_as_utf8_json_and_what_orjson_refuses_the_standard_way() -> None:
    endpoint = PraoGraphQL(make_settings("sqlite://:memory:", Path("/nonexistent")))
    answer = {"data": {"m": "Platsen är fullbokad.", "n": [1, None, True]}}
    written = endpoint.encode_json(answer)
    assert written == '{"data":{"m":"Platsen är fullbokad.","n":[1,null,true]}}'.encode()
    assert json.loads(written) == answer
    beyond = {"data": {"n": 2**70}}  # more than orjson writes: the standard library does
    assert json.loads(endpoint.encode_json(beyond)) == beyond
