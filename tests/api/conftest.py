"""Callers of the GraphQL API: a signed-in person (cookie + CSRF header), a token, nobody."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from prao.auth import create_api_token
from prao.config import Settings
from prao.models import School, User
from tests.conftest import csrf_from, sign_in


def gid(type_name: str, pk: int) -> str:
    """The documented global id format, built independently of the code under test."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


@dataclass
class Caller:
    client: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body = {"query": query, "variables": variables or {}}
        return await self.client.post("/graphql", json=body, headers=self.headers)

    async def result(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        payload: dict[str, Any] = response.json()
        return payload

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = await self.result(query, variables)
        assert "errors" not in payload, payload["errors"]
        data: dict[str, Any] = payload["data"]
        return data


@pytest.fixture
async def new_client(app: object) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
def as_user(
    new_client: Callable[[], httpx.AsyncClient], settings: Settings
) -> Callable[[User], Awaitable[Caller]]:
    async def signed_in(user: User) -> Caller:
        client = new_client()
        await sign_in(client, user, settings)
        page = await client.get("/", follow_redirects=True)
        return Caller(client, {"X-CSRF-Token": csrf_from(page.text)})

    return signed_in


@pytest.fixture
def as_token(
    new_client: Callable[[], httpx.AsyncClient],
) -> Callable[..., Awaitable[Caller]]:
    async def with_token(school: School | None = None, **scope: Any) -> Caller:
        _, raw = await create_api_token("Skolsystem", school=school, **scope)
        return Caller(new_client(), {"Authorization": f"Bearer {raw}"})

    return with_token


@pytest.fixture
def anonymous(new_client: Callable[[], httpx.AsyncClient]) -> Caller:
    return Caller(new_client())
