"""The placement card on a phone and on paper: reachable from my bookings, accessible, and
printed without the site's header and footer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MISSING, PHONE, Axe, LiveServer
from tests.browser.test_pupil_journey import BOOK_BUTTON, sign_in_as_pupil

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


def test_pupil_opens_and_prints_her_placement_card(
    chromium: Any, live_server: LiveServer, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="sv-SE", base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        sign_in_as_pupil(page, 4)  # 0–3 the pupil journey, 5–6 the employer journey
        # The first slot without approval gives a confirmed booking, which has a card.
        hrefs = [a.get_attribute("href") for a in page.locator(".card-title a").all()[:10]]
        for href in hrefs:
            page.goto(href or "/platser")
            direct = page.get_by_text("Bokningen blir klar direkt").count()
            if page.locator(BOOK_BUTTON).count() and direct:
                break
        page.locator(BOOK_BUTTON).click()
        page.wait_for_url("**/mina-bokningar")
        page.get_by_role("link", name="Praoplatskort för").first.click()
        expect(page.locator("h1")).to_have_text("Praoplatskort")
        expect(page.locator(".placement-card")).to_contain_text("Bekräftad")
        serious = Axe.serious_violations(page)
        assert serious == [], [(v["id"], v["help"]) for v in serious]
        page.screenshot(path=str(artifacts / "praoplatskort.png"))
        # With JavaScript on, htmx boosts links: the calendar must still arrive as a file.
        assert_calendar_download(page, "Spara i kalendern (.ics)")
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".site-footer")).to_be_hidden()
        expect(page.locator(".placement-card")).to_be_visible()
        assert problems == []
    finally:
        context.close()


def assert_calendar_download(page: Any, link: str) -> None:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).first.click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".ics")
    assert Path(path).read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_the_calendar_downloads_from_my_bookings_without_javascript(
    chromium: Any, live_server: LiveServer
) -> None:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in_as_pupil(page, 4)  # booked by the test above, which runs first
        page.goto("/mina-bokningar")
        assert_calendar_download(page, "Spara i kalendern")
    finally:
        context.close()
