"""A failure before any view runs (here the identity lookup, as when the database is down) still
gives people the Swedish error page, and GraphQL clients a bare 500."""

from __future__ import annotations

import httpx
import pytest

import server.auth
from prao.config import Settings
from server.app import create_app


async def _lookup_fails(raw: str) -> object:
    raise ConnectionError("database unavailable")


@pytest.fixture
async def failing_client(settings: Settings, db: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(server.auth, "authenticate_bearer", _lookup_fails)
    transport = httpx.ASGITransport(
        app=create_app(settings, manage_db=False), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_page_gets_the_swedish_500(failing_client: httpx.AsyncClient) -> None:
    page = await failing_client.get("/platser", headers={"authorization": "Bearer x"})
    assert page.status_code == 500
    assert "Något gick fel hos oss" in page.text
    assert "database unavailable" not in page.text


async def test_graphql_gets_a_bare_500(failing_client: httpx.AsyncClient) -> None:
    answer = await failing_client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer x"}
    )
    assert answer.status_code == 500
    assert "Något gick fel" not in answer.text
    assert "database unavailable" not in answer.text
