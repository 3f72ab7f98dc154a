"""Query cost before execution and the per-caller budget of cost points per minute."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from graphql import parse
from redis.asyncio import Redis

from api.cost import operation_cost
from api.limits import GRAPHQL_RESPONSE, MAX_COST, MUTATION_COST, WINDOW_SECONDS
from api.rate_limit import RateLimiter
from api.schema import schema
from prao.auth import create_api_token
from prao.config import Settings
from prao.models import AuditEvent
from server.app import create_app
from tests.factories import World
from tests.workers.conftest import free_port

SLOTS_PAGE = "{ slots(first: 100) { nodes { id employer { name } } pageInfo { hasNextPage } } }"


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    return operation_cost(schema._schema, parse(query), None, variables)


def test_a_connection_costs_its_page_times_what_each_node_costs() -> None:
    # 100 slots, each with its employer (2 per node), plus the connection and its pageInfo.
    assert cost(SLOTS_PAGE) == 100 * 2 + 1 + 1
    assert cost("{ slots(first: 10) { totalCount } }") == 10 * 1 + 1
    assert cost("{ slots { edges { node { id } } } }") == 20 * 1 + 1  # the default page
    assert cost("{ bookings(last: 5) { nodes { pupil { id } slot { employer { id } } } } }") == (
        5 * (1 + 1 + 2) + 1
    )


def test_cost_follows_variables_fragments_and_ids() -> None:
    query = """query($n: Int) { slots(first: $n) { ...page } }
      fragment page on SlotConnection { edges { node { ... on Slot { employer { id } } } } }"""
    assert cost(query, {"n": 50}) == 50 * 2 + 1
    assert cost(query, {}) == 20 * 2 + 1
    assert cost('{ nodes(ids: ["a", "b", "c"]) { id } }') == 3


def test_declared_variable_defaults_count_like_sent_values() -> None:
    query = """query($n: Int = 100, $ids: [ID!] = ["a", "b"]) {
      slots(first: $n) { nodes { employer { id } } } nodes(ids: $ids) { id } }"""
    assert cost(query) == cost(query, {"n": 100, "ids": ["a", "b"]}) == 100 * 2 + 1 + 2
    assert cost(query, {"n": 5}) == 5 * 2 + 1 + 2  # a sent value wins over the default
    assert cost(query, {"n": None}) == 20 * 2 + 1 + 2  # an explicit null is the default page


async def test_a_default_cannot_slip_past_the_maximum(world: World, as_token: Any) -> None:
    api = await as_token(world.school_a)
    pupils = "{ nodes { id firstName school { name } } }"
    fields = " ".join(f"p{i}: pupils(first: $n) {pupils}" for i in range(5))
    query = f"query($n: Int = 100) {{ {fields} }}"
    for variables in ({}, {"n": 100}):
        response = await api.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=api.headers
        )
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["cost"] == 5 * (100 * 2 + 1)


def test_a_page_larger_than_allowed_is_costed_at_the_maximum_page() -> None:
    # It is then refused by its own clear error ("first must be between 0 and 100").
    assert cost("{ slots(first: 100000) { totalCount } }") == 100 + 1


def test_mutations_cost_more() -> None:
    mutation = 'mutation { cancelBooking(input: {bookingId: "x"}) { errors { code } } }'
    assert cost(mutation) == MUTATION_COST + 1 + 1


async def test_a_query_above_the_maximum_is_refused_before_it_runs(
    world: World, as_token: Any
) -> None:
    api = await as_token(world.school_a)
    pupils = "{ nodes { id firstName school { name } } }"
    query = "{ " + " ".join(f"p{i}: pupils(first: 100) {pupils}" for i in range(5)) + " }"
    expected = 5 * (100 * 2 + 1)
    assert expected > MAX_COST
    before = await AuditEvent.all().count()
    response = await api.client.post(
        "/graphql", json={"query": query}, headers={**api.headers, "Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": expected,
        "maximumCost": MAX_COST,
    }
    assert str(expected) in error["message"]
    assert await AuditEvent.all().count() == before  # nothing ran, nothing was read


@pytest.fixture
async def app_with(settings: Settings, db: None) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(dataclasses.replace(settings, **overrides), manage_db=False)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def fresh_window() -> None:
    """Budgets are per clock minute: start early in one so a test does not straddle two."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 10:
        await asyncio.sleep(left + 0.1)


async def ask(client: httpx.AsyncClient, token: str, query: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


async def check_budget(first: httpx.AsyncClient, second: httpx.AsyncClient, world: World) -> None:
    """Limit 500: two pages of 202 fit, the third is refused; `second` shares the budget."""
    _, token = await create_api_token("Skolsystem", school=world.school_a)
    _, other = await create_api_token("Annat system", school=world.school_a)
    await fresh_window()

    ok = await ask(first, token, SLOTS_PAGE)
    assert ok.status_code == 200 and "errors" not in ok.json()
    assert ok.headers["x-ratelimit-limit"] == "500"
    assert ok.headers["x-ratelimit-used"] == "202"
    assert ok.headers["x-ratelimit-remaining"] == "298"
    reset = int(ok.headers["x-ratelimit-reset"])

    ok = await ask(second, token, SLOTS_PAGE)
    assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "96"

    refused = await ask(first, token, SLOTS_PAGE)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["cost"] == 202 and error["extensions"]["remaining"] == 96
    assert refused.headers["x-ratelimit-remaining"] == "96"  # a refusal costs nothing

    rate = "{ rateLimit { limit cost used remaining resetAt } }"
    small = await ask(second, token, rate)
    assert small.status_code == 200
    info = small.json()["data"]["rateLimit"]
    assert {k: info[k] for k in ("limit", "cost", "used", "remaining")} == {
        "limit": 500,
        "cost": 1,
        "used": 405,
        "remaining": 95,
    }
    assert datetime.fromisoformat(info["resetAt"]).timestamp() == reset

    # Every caller has a budget of its own.
    fresh = await ask(first, other, SLOTS_PAGE)
    assert fresh.status_code == 200 and fresh.headers["x-ratelimit-used"] == "202"


async def test_budget_in_memory(world: World, app_with: Callable[..., httpx.AsyncClient]) -> None:
    client = app_with(rate_limit_points=500, redis_url=None)
    await check_budget(client, client, world)


async def test_budget_in_redis_is_shared_by_server_processes(
    world: World, app_with: Callable[..., httpx.AsyncClient], redis_url: str
) -> None:
    first = app_with(rate_limit_points=500, redis_url=redis_url)
    second = app_with(rate_limit_points=500, redis_url=redis_url)
    await check_budget(first, second, world)


async def test_no_limit_means_no_headers_and_no_rate_limit(
    world: World, app_with: Callable[..., httpx.AsyncClient]
) -> None:
    client = app_with(rate_limit_points=0)
    _, token = await create_api_token("Skolsystem", school=world.school_a)
    response = await ask(client, token, "{ rateLimit { limit } }")
    assert response.json() == {"data": {"rateLimit": None}}
    assert "x-ratelimit-limit" not in response.headers


async def test_anonymous_callers_are_limited_by_address(
    app_with: Callable[..., httpx.AsyncClient],
) -> None:
    client = app_with(rate_limit_points=30, redis_url=None)
    query = "{ slots(first: 10) { totalCount } }"  # 11 points
    await fresh_window()
    statuses = [(await client.post("/graphql", json={"query": query})).status_code for _ in "abc"]
    assert statuses == [200, 200, 429]


async def test_concurrent_charges_travel_together_each_with_its_own_total(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = RateLimiter(25, redis_url)
    trips: list[int] = []
    pipeline = Redis.pipeline

    def counted(self: Redis, *args: Any, **kwargs: Any) -> Any:
        trips.append(1)
        return pipeline(self, *args, **kwargs)

    monkeypatch.setattr(Redis, "pipeline", counted)
    await fresh_window()
    try:
        budgets = await asyncio.gather(*(limiter.charge(caller, 10) for caller in "aaaab"))
    finally:
        await limiter.close()
    assert len(trips) == 1
    # In the order asked: two fit the limit of 25, the next two are refused and cost nothing.
    assert [(b.used, b.refused) for b in budgets if b is not None] == [
        (10, False),
        (20, False),
        (20, True),
        (20, True),
        (10, False),
    ]


async def test_concurrent_charges_count_in_memory_while_redis_is_away() -> None:
    limiter = RateLimiter(25, f"redis://127.0.0.1:{free_port()}/0")
    try:
        budgets = await asyncio.gather(*(limiter.charge("a", 10) for _ in range(3)))
    finally:
        await limiter.close()
    assert [(b.used, b.refused) for b in budgets if b is not None] == [
        (10, False),
        (20, False),
        (20, True),
    ]
