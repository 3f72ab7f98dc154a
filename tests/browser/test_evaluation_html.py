"""The evaluation pages, which the crawl cannot reach (the demo has no ended placement and
supervisors arrive by one-time link), checked as the crawl checks its own: each state of the
pupil's form, the supervisor's, the workplace's averages and the school's overview through the
Nu HTML Checker, then in Chromium at phone size (no sideways scrolling, no serious axe
violation, no script error)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from prao import clock, policy
from prao.config import TIMEZONE
from prao.models import Booking, OutboxMessage
from prao.services.booking import book_slot
from prao.services.evaluation_requests import send_evaluation_requests
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, MISSING, PHONE
from tests.browser.crawl import html_errors, page_problems
from tests.callers import ClientFactory, token_of
from tests.factories import World
from web import STATIC_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]
LINK = re.compile(r"https?://[^/\s]+(/handledare/utvardering/\S+)")
ANSWERS = {"overall": "3", "learned": "3", "treated_well": "4", "recommend": "4"}


async def test_every_state_of_the_evaluation_pages_is_valid_html(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    slot = await factories.slot(world.employer, title="Kock", capacity=6)
    pupils = [world.pupil_a, *[await factories.pupil(world.school_a) for _ in range(4)]]
    bookings = []
    for p in pupils:
        booked = await book_slot(coordinator, slot.id, p.id)
        assert booked.value is not None, booked.errors
        bookings.append(booked.value)
    await Booking.filter(id__in=[b.id for b in bookings]).update(period_id=world.period_a.id)
    moment = datetime.combine(slot.end_date + timedelta(days=1), time(9), TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: moment)
    await send_evaluation_requests(moment)
    pages: dict[str, str] = {}

    path = f"/bokningar/{bookings[0].id}/utvardering"
    async with browser_for(world.pupil_a_user) as c:
        pages["mina-bokningar"] = (await c.get("/mina-bokningar")).text
        pages["elev-formular"] = (await c.get(path)).text
        token = await token_of(c, path)
        pages["elev-fel"] = (await c.post(path, data={"csrf_token": token, "overall": "3"})).text
        await c.post(path, data={"csrf_token": token, **ANSWERS})
        pages["elev-svar"] = (await c.get(path)).text
        pages["elev-redan"] = (await c.post(path, data={"csrf_token": token, **ANSWERS})).text
    async with browser_for(world.employer_user) as c:
        pages["arbetsplats-for-fa"] = (await c.get("/oversikt")).text
    for p, b in zip(pupils[1:], bookings[1:], strict=True):
        async with browser_for(await factories.pupil_user(p)) as c:
            own = f"/bokningar/{b.id}/utvardering"
            await c.post(own, data={"csrf_token": await token_of(c, own), **ANSWERS})
    async with browser_for(world.employer_user) as c:
        start = (await c.get("/oversikt")).text
        assert f"Medelvärden av {policy.MIN_GROUP} elevers svar" in start
        pages["arbetsplats-medel"] = start

    message = await OutboxMessage.filter(kind="host_evaluation_request").order_by("id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None
    link = found.group(1)
    async with browser_for(None) as c:
        pages["handledare-formular"] = (await c.get(link)).text
        token = await token_of(c, link)
        bad = {"csrf_token": token, "places_next_year": "x"}
        pages["handledare-fel"] = (await c.post(link, data=bad)).text
        done = {"csrf_token": token, "went_well": "4", "host_again": "yes"}
        pages["handledare-svar"] = (await c.post(link, data=done)).text
    async with browser_for(world.coordinator_a) as c:
        pages["syv-efter"] = (await c.get(f"/oversikt/perioder/{world.period_a.id}/intyg")).text

    assert html_errors(pages, tmp_path) == []
    # Playwright's sync API in a thread of its own: this test's loop runs in the main one.
    assert await asyncio.to_thread(on_a_phone, pages) == []


def on_a_phone(pages: dict[str, str]) -> list[str]:
    """Each page as a phone shows it, its stylesheet and script served from web/static."""
    from playwright.sync_api import Route, sync_playwright

    def serve(route: Route) -> None:
        path = route.request.url.split("//", 1)[1].split("/", 1)[1].split("?")[0]
        if path.startswith("static/") and (STATIC_DIR / path[7:]).is_file():
            file = STATIC_DIR / path[7:]
            kind = "text/css" if file.suffix == ".css" else "text/javascript"
            route.fulfill(body=file.read_bytes(), content_type=kind)
        elif path.startswith("sida/") and path[5:] in pages:
            route.fulfill(body=pages[path[5:]], content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser: Any = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=PHONE, locale="sv-SE").new_page()
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            page.route("**/*", serve)
            for name in pages:
                page.goto(f"http://prao.test/sida/{name}")
                problems += [f"{name}: {p}" for p in page_problems(page)]
        finally:
            browser.close()
    return problems
