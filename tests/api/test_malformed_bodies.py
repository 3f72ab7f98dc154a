"""Bodies and query strings that are not a GraphQL request get a 400 in the GraphQL-over-HTTP
media type, with the usual headers, never a plain-text 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.limits import GRAPHQL_RESPONSE, MAX_BODY_BYTES
from tests.callers import Caller

DEEP = 100_000
GET_DEEP = 5_000
QUERY = "{ viewer { kind } }"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# Raw POST bodies sent as application/json.
POST_BODIES: dict[str, bytes] = {
    "null": b"null",
    "list": b"[]",
    "list-of-null": b"[null]",
    "number": b"42",
    "string": b'"{ viewer { kind } }"',
    "true": b"true",
    "invalid-utf8": b'{"query": "{ viewer { kind } }\xff\xfe"}',
    "invalid-utf8-key": b'{"\xc3\x28": 1}',
    "nested-variables": f'{{"query": "{QUERY}", "variables": {{"a": {nested(DEEP)}}}}}'.encode(),
    "nested-body": nested(DEEP).encode(),
    "variables-list": json.dumps({"query": QUERY, "variables": [1]}).encode(),
    "variables-string": json.dumps({"query": QUERY, "variables": "{}"}).encode(),
    "variables-number": json.dumps({"query": QUERY, "variables": 1}).encode(),
    "extensions-list": json.dumps({"query": QUERY, "extensions": []}).encode(),
    "extensions-string": json.dumps({"query": QUERY, "extensions": "x"}).encode(),
    "query-number": json.dumps({"query": 1}).encode(),
    "query-list": json.dumps({"query": [QUERY]}).encode(),
    "query-object": json.dumps({"query": {"q": QUERY}}).encode(),
    "query-null": json.dumps({"query": None}).encode(),
    "operation-name-number": json.dumps({"query": QUERY, "operationName": 1}).encode(),
    "nan": b'{"query": "{ viewer { kind } }", "variables": {"a": NaN}}',
    "huge-number": b'{"query": "{ viewer { kind } }", "variables": {"a": 1' + b"0" * 5000 + b"}}",
    "empty": b"",
    "whitespace": b"   ",
    "truncated": b'{"query": ',
}

# GET query strings.
GET_PARAMS: dict[str, dict[str, str]] = {
    "invalid-utf8": {"query": "%FF%FE"},
    # As deep as fits in a URL httpx will send; far deeper than the JSON parser recurses.
    "nested-variables": {"query": QUERY, "variables": '{"a": ' + nested(GET_DEEP) + "}"},
    "variables-list": {"query": QUERY, "variables": "[1]"},
    "variables-string": {"query": QUERY, "variables": '"x"'},
    "variables-number": {"query": QUERY, "variables": "1"},
    "variables-not-json": {"query": QUERY, "variables": "{nope"},
    "extensions-list": {"query": QUERY, "extensions": "[]"},
    "extensions-string": {"query": QUERY, "extensions": '"x"'},
    "extensions-nested": {"query": QUERY, "extensions": '{"a": ' + nested(GET_DEEP) + "}"},
    "extensions-not-json": {"query": QUERY, "extensions": "{nope"},
    "empty-query": {"query": ""},
}


def assert_bad_request(response, caller_sent: str) -> None:
    assert response.status_code == 400, (caller_sent, response.status_code, response.text[:200])
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"] and "Traceback" not in error["message"]


@pytest.mark.parametrize("name", list(POST_BODIES))
async def test_malformed_post_bodies_are_400(anonymous: Caller, name: str) -> None:
    response = await anonymous.client.post(
        "/graphql",
        content=POST_BODIES[name],
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert_bad_request(response, name)


@pytest.mark.parametrize("name", list(GET_PARAMS))
async def test_malformed_get_requests_are_400(anonymous: Caller, name: str) -> None:
    params = GET_PARAMS[name]
    if name == "invalid-utf8":  # raw bytes in the URL, as a client could send them
        url = "/graphql?query=%FF%FE"
        response = await anonymous.client.get(url, headers={"Accept": GRAPHQL_RESPONSE})
    else:
        response = await anonymous.client.get(
            "/graphql", params=params, headers={"Accept": GRAPHQL_RESPONSE}
        )
    assert_bad_request(response, name)


async def test_a_huge_body_is_refused_with_the_usual_headers(anonymous: Caller) -> None:
    body = json.dumps({"query": QUERY + " " * MAX_BODY_BYTES}).encode()
    response = await anonymous.client.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.headers["cache-control"] == "no-store"
    assert len(response.headers["x-request-id"]) == 32
    assert response.json()["errors"][0]["message"]


async def asgi_get(app: Any, query_string: bytes) -> tuple[int, dict[str, str], bytes]:
    """A GET straight to the ASGI app, for URLs no HTTP client library would build."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", GRAPHQL_RESPONSE.encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(
    "query_string",
    [
        b"query=%7B+viewer+%7B+kind+%7D+%7D&variables=" + b"%5B" * DEEP + b"%5D" * DEEP,
        b"query=%7B+viewer+%7B+kind+%7D+%7D&variables=%7B%22a%22%3A%22" + b"x" * MAX_BODY_BYTES,
    ],
    ids=["nested-100000", "huge"],
)
async def test_a_huge_query_string_is_refused(app: Any, query_string: bytes) -> None:
    status, headers, body = await asgi_get(app, query_string)
    assert status == 414
    assert headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert headers["cache-control"] == "no-store" and len(headers["x-request-id"]) == 32
    assert json.loads(body)["errors"][0]["message"]


@pytest.mark.parametrize("accept", ["application/json", "*/*", ""])
async def test_legacy_clients_get_json_errors_not_text(anonymous: Caller, accept: str) -> None:
    response = await anonymous.client.post(
        "/graphql",
        content=b"null",
        headers={"Content-Type": "application/json", "Accept": accept},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]
