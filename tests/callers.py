"""Callers of the app for tests in every folder: a signed-in person or a token over GraphQL
(cookie + CSRF header, or bearer), nobody, a browser-like client per person for the pages, and
helpers for reading pages. Registered as a plugin by tests/conftest.py."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
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


ClientFactory = Callable[[User | None], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def browser_for(app: object, settings: Settings) -> ClientFactory:
    """A separate cookie jar per person, optionally signed in through the real link flow."""

    @asynccontextmanager
    async def open_client(user: User | None) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            if user is not None:
                await sign_in(c, user, settings)
            yield c

    return open_client


async def token_of(client: httpx.AsyncClient, path: str = "/") -> str:
    """The CSRF token of this client's session, read from a page as a person's browser would."""
    page = await client.get(path, follow_redirects=True)
    return csrf_from(page.text)


def main_text(page: str) -> str:
    """The visible text of <main>, whitespace collapsed, for asserting on what a person reads."""
    match = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    assert match, "page has no <main>"
    text = re.sub(r"<[^>]+>", " ", match.group(1))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
