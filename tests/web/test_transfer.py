"""What travels: answers above a kilobyte are compressed for a client that accepts it, files that
are compressed already are not, and static files are cached for a year exactly when the page asks
for them by their version."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx

from tests import factories
from tests.callers import Caller, ClientFactory
from tests.factories import World
from web.static_files import IMMUTABLE, VERSIONS
from web.templating import HTMX_FILE

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


async def test_pages_are_compressed_for_a_client_that_accepts_it(
    client: httpx.AsyncClient, db: None
) -> None:
    packed = await client.get("/logga-in", headers=GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert '<html lang="sv">' in packed.text  # httpx unpacks it
    assert int(packed.headers["content-length"]) < len(packed.content) * 0.6
    plain = await client.get("/logga-in", headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert plain.text.count("<form") == packed.text.count("<form")


async def test_small_answers_are_sent_as_they_are(client: httpx.AsyncClient, db: None) -> None:
    redirect = await client.get("/platser", headers=GZIP)  # signed out: a redirect, no body
    assert redirect.status_code == 303
    assert "content-encoding" not in redirect.headers


async def test_graphql_json_is_compressed(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    for _ in range(12):
        await factories.slot(world.employer, schools=[world.school_a])
    caller = await as_token(school=world.school_a)
    caller.headers.update(GZIP)
    answer = await caller.post("{ slots(first: 50) { nodes { id title city trade startDate } } }")
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert len(answer.json()["data"]["slots"]["nodes"]) >= 12


async def test_an_excel_file_is_not_compressed_again(
    world: World, browser_for: ClientFactory
) -> None:
    period = await factories.period(world.school_a)
    async with browser_for(world.coordinator_a) as c:
        xlsx = await c.get(f"/oversikt/perioder/{period.id}/placeringar.xlsx", headers=GZIP)
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK\x03\x04")
    assert "content-encoding" not in xlsx.headers


async def test_static_files_are_cached_for_a_year_when_asked_for_by_version(
    client: httpx.AsyncClient, db: None
) -> None:
    page = await client.get("/logga-in")
    css = re.search(r'href="(/static/prao\.css\?v=[0-9a-f]+)"', page.text)
    assert css is not None, "the page asks for its stylesheet by version"
    assert css.group(1) == f"/static/prao.css?v={VERSIONS['prao.css']}"
    versioned = await client.get(css.group(1), headers=GZIP)
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == IMMUTABLE
    assert versioned.headers["content-encoding"] == "gzip"
    htmx = await client.get(f"/static/{HTMX_FILE}")  # its version is in its name
    assert htmx.headers["cache-control"] == IMMUTABLE
    for stale in ("/static/prao.css", "/static/prao.css?v=0123456789ab"):
        answer = await client.get(stale)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-cache", stale
    assert (await client.get("/static/finns-inte.css")).status_code == 404


async def test_signed_in_pages_are_never_stored(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(world.coordinator_a) as c:
        page = await c.get("/oversikt", headers=GZIP)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
