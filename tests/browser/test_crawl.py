"""Every page each kind of person can reach, at phone and desktop size, in a real browser:
no sideways scrolling, no console error, no 5xx, no failed sub-request, no serious axe
violation, no error from the Nu HTML Checker. Screenshots of failing pages go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, sign_in_from_demo
from tests.browser.crawl import PHONE, crawl, html_errors, page_problems

pytestmark = pytest.mark.browser

# Who signs in, by the text of her card on /demo (None: nobody signs in).
PEOPLE = {
    "anonym": None,
    "elev-forst-till-kvarn": "klass 8A · bokar själv",
    "elev-fordelning": "klass 9B · önskar platser",  # she has wishes already
    "arbetsplats": "Arbetsplats ·",
    "syv": "SYV · Håstensskolan",
    "admin": "Administratör",
}
PAGES_PER_PERSON = 40


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_page_reachable_holds_up(
    person: str, chromium: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="sv-SE", viewport=PHONE)
    try:
        card = PEOPLE[person]
        start = "/"
        if card is not None:
            page = context.new_page()
            start = sign_in_from_demo(page, card)
            page.close()
        seen = crawl(context, person, start, PAGES_PER_PERSON, artifacts, live_server.url)
    finally:
        context.close()
    assert len(seen.visited) > 3, seen.visited  # she got somewhere
    problems = seen.problems + html_errors(seen.pages, tmp_path)
    assert problems == [], "\n".join(problems)


def test_the_checks_catch_a_page_that_scrolls_sideways_or_logs_an_error(
    chromium: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    """The crawl's own checks, on a page made wrong on purpose."""
    context = chromium.new_context(base_url=live_server.url, locale="sv-SE", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/logga-in")
        assert page_problems(page) == []
        page.evaluate(
            """() => { const d = document.createElement('div');
                 d.style.width = '900px'; d.textContent = 'bred'; document.body.append(d); }"""
        )
        problems = page_problems(page, axe=False)
        assert len(problems) == 1 and "scrolls sideways" in problems[0]
        assert '<div style="width: 900px;">bred</div>' in problems[0]

        # A console error on a crawled page: the start page of the crawl logs one.
        context.add_init_script("window.addEventListener('load', () => console.error('trasig'))")
        seen = crawl(context, "prov", "/logga-in", 1, artifacts, live_server.url)
        assert seen.problems == ["prov /logga-in: console error: trasig"]
    finally:
        context.close()
    broken = "<!doctype html><html lang=sv><title>x</title><span><form></form></span>"
    errors = html_errors({"/trasig": broken}, tmp_path)
    assert len(errors) == 1 and errors[0].startswith("/trasig line 1:"), errors
