"""What every page promises: headers, cookies, Swedish errors, CSP-clean markup, vendored htmx."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import web
from prao.config import Settings
from prao.services.booking import book_slot
from server.app import create_app
from tests.conftest import make_settings
from tests.factories import World
from web.errors import with_error_pages
from web.templating import HTMX_FILE

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


async def test_security_headers_on_pages(client: httpx.AsyncClient, db: None):
    page = await client.get("/logga-in")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"


async def test_session_cookie_is_httponly_and_lax(client: httpx.AsyncClient, db: None):
    page = await client.get("/logga-in")
    cookie = page.headers["set-cookie"].lower()
    assert cookie.startswith("prao_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests


async def test_session_cookie_is_secure_behind_https(settings: Settings, tmp_path: Path, db: None):
    app = create_app(
        make_settings(settings.database_url, tmp_path, base_url="https://prao.example.se"),
        manage_db=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://prao.example.se"
    ) as c:
        cookie = (await c.get("/logga-in")).headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_unknown_address_gets_the_swedish_404(client: httpx.AsyncClient, db: None):
    page = await client.get("/finns/inte")
    assert page.status_code == 404
    assert '<html lang="sv">' in page.text
    assert "Sidan finns inte" in page.text
    assert page.headers["content-type"].startswith("text/html")


async def test_fallback_does_not_hide_the_api_or_static_files(client: httpx.AsyncClient, db: None):
    assert (await client.get(f"/static/{HTMX_FILE}")).status_code == 200
    api = await client.post("/graphql", json={"query": "{ __typename }"})
    assert "Sidan finns inte" not in api.text
    assert api.headers["content-type"].startswith("application/json")


async def test_crash_in_a_view_gives_the_swedish_500(settings: Settings):
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    app = Starlette(
        routes=[Route("/trasig", with_error_pages(broken))],
        middleware=[Middleware(SessionMiddleware, secret_key="test")],
    )
    app.state.settings = settings
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        page = await c.get("/trasig")
    assert page.status_code == 500
    assert "Något gick fel hos oss" in page.text
    assert "boom" not in page.text


async def test_oversized_form_gives_the_swedish_400(client: httpx.AsyncClient, db: None):
    page = await client.post("/logga-in", data={f"f{i}": "x" for i in range(50)})
    assert page.status_code == 400
    assert "Något stämmer inte med förfrågan" in page.text


def test_vendored_files_match_their_record():
    record = (STATIC / "VENDORED.md").read_text()
    listed = re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", record, flags=re.M)
    assert HTMX_FILE in dict(listed)
    assert len(listed) == 7
    for name, digest in listed:
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name


@pytest.fixture
async def every_page(world: World, browser_for) -> AsyncIterator[dict[str, str]]:
    """The HTML of every kind of page, as the people who see them get it."""
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.ok and outcome.value is not None
    pages_seen: dict[str, str] = {}
    async with browser_for(None) as c:
        for path in ("/", "/logga-in", "/logga-in/abc", "/demo", "/utkorg", "/saknas"):
            pages_seen[path] = (await c.get(path)).text
    async with browser_for(world.pupil_a_user) as c:
        pages_seen["/platser (välkommen)"] = (await c.get("/platser")).text
        for path in (
            "/platser",
            f"/platser/{world.slot.id}",
            "/mina-bokningar",
            f"/bokningar/{outcome.value.id}/avboka",
        ):
            pages_seen[path] = (await c.get(path)).text
    for who in (world.coordinator_a, world.employer_user):
        async with browser_for(who) as c:
            pages_seen[f"/oversikt ({who.role})"] = (await c.get("/oversikt")).text
    yield pages_seen


async def test_pages_keep_to_the_csp_and_to_real_links(every_page: dict[str, str]):
    for path, html in every_page.items():
        assert '<html lang="sv">' in html, path
        assert not re.search(r"\sstyle=", html), f"inline style on {path}"
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline handler on {path}"
        assert 'href="#"' not in html, path
        assert f'<script src="/static/{HTMX_FILE}" defer></script>' in html, path
        assert '"includeIndicatorStyles"' in html.replace("&#34;", '"'), path
        assert 'href="#innehall"' in html and 'id="innehall"' in html, path


async def test_personal_pages_stay_out_of_the_htmx_history_cache(every_page: dict[str, str]):
    personal = [
        p for p in every_page if p.startswith(("/mina-bokningar", "/bokningar", "/oversikt"))
    ]
    personal += ["/demo", "/utkorg", "/platser (välkommen)"]  # the greeting names her
    for path in personal:
        assert 'hx-history="false"' in every_page[path], path
    assert 'hx-history="false"' not in every_page["/platser"]


async def test_every_form_that_posts_carries_the_csrf_token(every_page: dict[str, str]):
    for path, html in every_page.items():
        for form in re.findall(r'<form method="post".*?</form>', html, re.S):
            assert re.search(r'name="csrf_token"\s+value="[^"]+"', form), f"{path}: {form[:80]}"


def test_every_download_link_is_left_to_the_browser():
    """hx-boost on the body would fetch a file link in the background and swap it in as a page:
    a link with `download` must opt out, or the file never arrives with JavaScript on."""
    templates = Path(web.__file__).parent / "templates"
    links = [
        (path.name, tag)
        for path in templates.rglob("*.html")
        for tag in re.findall(r"<a\b[^>]*>", path.read_text())
        if re.search(r"\sdownload[\s>=]", tag)
    ]
    assert links, "no download links found: the pattern is wrong"
    assert [(name, tag) for name, tag in links if 'hx-boost="false"' not in tag] == []
