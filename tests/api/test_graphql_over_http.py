"""GraphQL over HTTP: media types and their status codes, GET for queries only, content types,
no batching, request ids, masked unexpected errors, no field suggestions for strangers."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from api.app import negotiate
from api.limits import GRAPHQL_RESPONSE
from prao import policy
from prao.models import Booking
from tests.callers import Caller, gid
from tests.factories import World

QUERY = "{ viewer { kind } }"


async def post(caller: Caller, body: Any, accept: str | None = None, **kw: Any) -> httpx.Response:
    headers = dict(caller.headers)
    if accept is not None:
        headers["Accept"] = accept
    return await caller.client.post("/graphql", json=body, headers=headers, **kw)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0, application/json", "application/json"),
        ("text/html", None),
        ("application/xml, text/plain", None),
    ],
)
def test_media_type_negotiation(accept: str, expected: str | None) -> None:
    assert negotiate(accept) == expected


async def test_graphql_response_media_type_success_is_200(anonymous: Caller) -> None:
    response = await post(anonymous, {"query": QUERY}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"viewer": {"kind": "ANONYMOUS"}}}


@pytest.mark.parametrize(
    "query",
    ["{ viewer { kind }", "{ viewer { nosuchfield } }", "query($a: Int!) { viewer { kind } }"],
)
async def test_parse_and_validation_errors(anonymous: Caller, query: str) -> None:
    """4xx without `data` for graphql-response+json; 200 without `data` for legacy JSON."""
    modern = await post(anonymous, {"query": query}, accept=GRAPHQL_RESPONSE)
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in modern.json() and modern.json()["errors"]

    legacy = await post(anonymous, {"query": query}, accept="application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert "data" not in legacy.json() and legacy.json()["errors"]


async def test_a_field_error_during_execution_keeps_data_and_200(
    world: World, as_token: Any
) -> None:
    api = await as_token(world.school_a)
    response = await post(api, {"query": '{ slots(after: "x") { totalCount } }'}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unacceptable_accept_header_is_406(anonymous: Caller) -> None:
    response = await post(anonymous, {"query": QUERY}, accept="text/html")
    assert response.status_code == 406
    assert GRAPHQL_RESPONSE in response.json()["errors"][0]["message"]


async def test_mutation_by_get_is_405_and_changes_nothing(world: World, as_token: Any) -> None:
    api = await as_token(world.school_a)
    slot, pupil = gid("Slot", world.slot.id), gid("Pupil", world.pupil_a.id)
    mutation = (
        f'mutation {{ bookSlot(input: {{slotId: "{slot}", pupilId: "{pupil}"}}) '
        "{ errors { code } } }"
    )
    response = await api.client.get("/graphql", params={"query": mutation}, headers=api.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "POST" in response.json()["errors"][0]["message"]
    assert await Booking.all().count() == 0

    read = await api.client.get("/graphql", params={"query": QUERY}, headers=api.headers)
    assert read.status_code == 200 and read.json()["data"]["viewer"]["kind"] == "TOKEN"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("query={viewer{kind}}", "application/x-www-form-urlencoded"),
        ('{"query": "{ viewer { kind } }"}', "text/plain"),
        ('{"query": "{ viewer { kind } }"}', None),
    ],
)
async def test_post_must_be_json(anonymous: Caller, content: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await anonymous.client.post("/graphql", content=content, headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_bad_json_and_missing_query_are_400(anonymous: Caller) -> None:
    headers = {"Content-Type": "application/json"}
    response = await anonymous.client.post("/graphql", content="{not json", headers=headers)
    assert response.status_code == 400 and response.json()["errors"]
    response = await anonymous.client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400 and response.json()["errors"]


async def test_batches_are_refused(world: World, as_token: Any) -> None:
    api = await as_token(world.school_a)
    slot, pupil = gid("Slot", world.slot.id), gid("Pupil", world.pupil_a.id)
    book = {
        "query": "mutation($i: BookSlotInput!) { bookSlot(input: $i) { errors { code } } }",
        "variables": {"i": {"slotId": slot, "pupilId": pupil}},
    }
    response = await post(api, [book, book])
    assert response.status_code == 400
    assert "atch" in response.json()["errors"][0]["message"]
    assert await Booking.all().count() == 0


async def test_every_response_carries_a_request_id(anonymous: Caller) -> None:
    first = await post(anonymous, {"query": QUERY})
    second = await post(anonymous, {"query": "{"})
    refused = await anonymous.client.post("/graphql", content="x", headers={"Content-Type": "a/b"})
    ids = [r.headers["x-request-id"] for r in (first, second, refused)]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == 3


async def test_unexpected_errors_are_masked_logged_and_carry_the_request_id(
    world: World, as_token: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(policy, "periods", broken)
    api = await as_token(world.school_a)
    with caplog.at_level(logging.ERROR, logger="prao.api"):
        response = await post(api, {"query": "{ periods { id } }"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Unexpected error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "secret" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the stack trace stays in the log


async def test_no_field_suggestions_for_anonymous_callers(
    world: World, anonymous, as_token
) -> None:
    query = "{ viewer { kinf } }"
    stranger = (await post(anonymous, {"query": query})).json()["errors"][0]["message"]
    assert "Did you mean" not in stranger and "kinf" in stranger
    api = await as_token(world.school_a)
    known = (await post(api, {"query": query})).json()["errors"][0]["message"]
    assert "Did you mean" in known
