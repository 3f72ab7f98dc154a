"""Helpers for the web tests: more clients on the same app, and reading pages."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from prao.config import Settings
from prao.models import User
from tests.conftest import csrf_from, sign_in

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
