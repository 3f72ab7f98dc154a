"""Guardians' consent in a real browser, on a phone: the guardian opens the e-mailed link (from
the demo outbox) and consents; the coordinator sees the period's consents and the paper form;
the organiser admin's settings. Each page accessible, valid HTML, no sideways scrolling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MISSING, LiveServer, sign_in_from_demo
from tests.browser.crawl import PHONE, html_errors, page_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]
CONSENT_LINK = "a[href*='/samtycke/']"


def _checked(page: Any, pages: dict[str, str], problems: list[str], path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    problems += [f"{path}: {p}" for p in page_problems(page)]
    pages[path] = response.text()


def _pending_consent_link(page: Any) -> str:
    """A link from the demo outbox whose guardian has not answered yet."""
    path = "/utkorg"
    for _ in range(6):
        page.goto(path)
        for href in [a.get_attribute("href") for a in page.locator(CONSENT_LINK).all()]:
            if not href:
                continue
            page.goto(href)
            if page.get_by_role("button", name="Jag godkänner", exact=True).count():
                return "/" + str(href).split("/", 3)[3]
        page.goto(path)
        older = page.get_by_role("link", name=re.compile("äldre"))
        if not older.count():
            break
        path = str(older.first.get_attribute("href"))
    raise AssertionError("no pending consent link in the demo outbox")


def test_guardian_consents_and_school_and_admin_see_it(
    chromium: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="sv-SE", base_url=live_server.url)
    page = context.new_page()
    pages: dict[str, str] = {}
    problems: list[str] = []
    try:
        link = _pending_consent_link(page)
        _checked(page, pages, problems, link)
        page.locator("#message").fill("Tack, det låter bra.")
        page.get_by_role("button", name="Jag godkänner", exact=True).click()
        expect(page.locator("h1")).to_have_text("Tack för ditt svar")
        problems += [f"{link} (svar): {p}" for p in page_problems(page)]
        page.goto(link)
        expect(page.get_by_text("Du har redan svarat")).to_be_visible()

        sign_in_from_demo(page, "SYV · Håstensskolan")
        page.goto("/oversikt/perioder")
        page.locator("a[href^='/oversikt/perioder/']").filter(has_text="Prao åk 8").first.click()
        page.get_by_role("link", name="Vårdnadshavares godkännande", exact=True).click()
        page.wait_for_url("**/samtycken")
        consents = "/" + page.url.split("/", 3)[3]
        _checked(page, pages, problems, consents)
        rows = page.locator("a[href$='/samtycke']")
        assert rows.count(), (page.url, page.locator("main").inner_text()[:2000])
        paper = rows.first.get_attribute("href")
        assert paper
        _checked(page, pages, problems, paper)
        page.get_by_role("button", name="Fortsätt").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="Stämmer det?")).to_be_visible()
        problems += [f"{paper} (stämmer det?): {p}" for p in page_problems(page)]
        page.get_by_role("button", name="Ja, spara").click()
        expect(page.get_by_text("Godkännandet på papper är registrerat.")).to_be_visible()

        page.context.clear_cookies()
        sign_in_from_demo(page, "Administratör")
        _checked(page, pages, problems, "/admin/samtycke")
        page.locator("#info_lunch").fill("Skolan bjuder på lunch.")
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_text("är sparade")).to_be_visible()
    finally:
        if problems:
            page.screenshot(path=str(artifacts / "samtycke.png"), full_page=True)
        context.close()
    problems += html_errors(pages, tmp_path)
    assert problems == [], "\n".join(problems)
