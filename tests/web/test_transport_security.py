"""Transport and caching headers, and the client address behind a proxy: HSTS over https,
`Cache-Control: no-store` on every GraphQL answer and on one-time-link pages, and
X-Forwarded-For believed only from configured proxies."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from api.limits import GRAPHQL_RESPONSE
from prao.auth import create_api_token, issue_sign_in_token
from prao.config import ConfigError, Settings, parse_networks
from prao.models import AuditEvent
from server.app import create_app
from server.client_address import client_address
from server.headers import HSTS
from tests.api.test_cost_and_rate_limit import fresh_window
from tests.conftest import csrf_from
from tests.factories import World

AppFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def app_with(settings: Settings, db: None) -> AsyncIterator[AppFactory]:
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(dataclasses.replace(settings, **overrides), manage_db=False)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


PATHS = ["/", "/logga-in", "/platser", "/saknas", "/static/app.css", "/graphql?query={__typename}"]


@pytest.mark.parametrize("path", PATHS)
async def test_hsts_on_every_response_when_served_over_https(
    app_with: AppFactory, path: str
) -> None:
    secure = app_with(base_url="https://prao.example.com")
    plain = app_with(base_url="http://127.0.0.1:8000")
    assert (await secure.get(path)).headers["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in (await plain.get(path)).headers


async def test_every_graphql_answer_is_no_store(app_with: AppFactory) -> None:
    client = app_with(rate_limit_points=12, redis_url=None)
    await fresh_window()
    query = {"query": "{ slots(first: 10) { totalCount } }"}  # 11 points
    answers = [
        await client.post("/graphql", json=query),  # 200
        await client.post("/graphql", json=query),  # 429
        await client.post("/graphql", json={"query": "{"}),  # syntax error
        await client.post(
            "/graphql", json={"query": "{ nope }"}, headers={"Accept": GRAPHQL_RESPONSE}
        ),
        await client.post("/graphql", content=b"x", headers={"Content-Type": "text/plain"}),  # 415
        await client.post("/graphql", json=query, headers={"Accept": "text/html"}),  # 406
        await client.post("/graphql", json=query, headers={"Authorization": "Bearer nope"}),  # 401
        await client.get("/graphql", params={"query": "mutation { __typename }"}),  # 405
        await client.get("/graphql", params=query),
    ]
    assert [a.status_code for a in answers] == [200, 429, 200, 400, 415, 406, 401, 405, 429]
    assert all(a.headers["cache-control"] == "no-store" for a in answers)


async def test_one_time_link_pages_are_no_store(
    client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    raw = await issue_sign_in_token(world.pupil_a_user, settings)
    page = await client.get(f"/logga-in/{raw}")
    assert page.status_code == 200
    done = await client.post(f"/logga-in/{raw}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 303
    answers = [page, done]
    for path in ("/logga-in/okand", "/bekrafta/okand"):
        answers.append(await client.get(path))
        answers.append(await client.post(path, data={"csrf_token": "x"}))
    assert all(a.headers["cache-control"] == "no-store" for a in answers), [
        (str(a.url), a.headers.get("cache-control")) for a in answers
    ]


async def test_rotating_x_forwarded_for_does_not_escape_the_anonymous_limit(
    app_with: AppFactory,
) -> None:
    client = app_with(rate_limit_points=30, redis_url=None)  # no proxy configured
    query = {"query": "{ slots(first: 10) { totalCount } }"}  # 11 points
    await fresh_window()
    statuses = [
        (
            await client.post("/graphql", json=query, headers={"X-Forwarded-For": f"203.0.113.{i}"})
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


async def test_behind_a_configured_proxy_the_right_most_untrusted_address_counts(
    app_with: AppFactory,
) -> None:
    # The test client connects from 127.0.0.1: that is our proxy here.
    client = app_with(
        rate_limit_points=30, redis_url=None, forwarded_allow_ips=("127.0.0.1/32", "10.0.0.0/8")
    )
    query = {"query": "{ slots(first: 10) { totalCount } }"}

    async def status(forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return (await client.post("/graphql", json=query, headers=headers)).status_code

    await fresh_window()
    # What a client writes left of the proxy's entry is not believed: one caller, 198.51.100.7.
    assert [await status(f"192.0.2.{i}, 198.51.100.7, 10.1.2.3") for i in range(3)] == [
        200,
        200,
        429,
    ]
    assert await status("198.51.100.7") == 429
    assert await status("198.51.100.8, 10.9.9.9") == 200  # someone else has a budget of their own


def request_from(peer: str, forwarded: list[str]) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "allowed", "expected"),
    [
        ("203.0.113.5", ["1.2.3.4"], (), "203.0.113.5"),  # no proxy configured
        ("203.0.113.5", ["1.2.3.4"], ("10.0.0.0/8",), "203.0.113.5"),  # not from our proxy
        ("10.0.0.2", ["1.2.3.4, 5.6.7.8"], ("10.0.0.0/8",), "5.6.7.8"),
        ("10.0.0.2", ["1.2.3.4", "5.6.7.8, 10.0.0.9"], ("10.0.0.0/8",), "5.6.7.8"),
        ("10.0.0.2", ["10.0.0.3"], ("10.0.0.0/8",), "10.0.0.2"),  # only proxies: the peer
        ("10.0.0.2", [], ("10.0.0.0/8",), "10.0.0.2"),
        ("::1", ["2001:db8::1"], ("::1/128",), "2001:db8::1"),
    ],
)
def test_client_address(
    peer: str, forwarded: list[str], allowed: tuple[str, ...], expected: str
) -> None:
    assert client_address(request_from(peer, forwarded), allowed) == expected


def test_forwarded_allow_ips_setting_is_parsed_and_checked() -> None:
    assert parse_networks("") == ()
    assert parse_networks(" 10.0.0.1, 10.1.0.0/16 ,::1") == (
        "10.0.0.1/32",
        "10.1.0.0/16",
        "::1/128",
    )
    with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
        parse_networks("10.0.0.1, proxy.internal")


async def test_the_audit_log_records_the_client_address(app_with: AppFactory, world: World) -> None:
    _, raw = await create_api_token("Skolsystem", school=world.school_a)
    query = {"query": "{ pupils(first: 5) { nodes { firstName } } }"}
    headers = {"Authorization": f"Bearer {raw}", "X-Forwarded-For": "198.51.100.7"}
    plain = app_with()  # no proxy configured: the header is not believed
    behind_proxy = app_with(forwarded_allow_ips=("127.0.0.1/32",))
    for client in (plain, behind_proxy):
        response = await client.post("/graphql", json=query, headers=headers)
        assert response.status_code == 200 and "errors" not in response.json()
    events = await AuditEvent.filter(action="read", object_type="pupil").order_by("id")
    assert [e.client for e in events] == ["127.0.0.1", "198.51.100.7"]
