"""A refused form in the browser, with JavaScript (htmx swaps the page) and without: the focus
lands on the error summary, its links lead to the fields, and the swap logs no CSP violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    MISSING,
    PHONE,
    REFUSAL_STATUS,
    LiveServer,
    sign_in_from_demo,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


@pytest.mark.parametrize("js", [True, False], ids=["js", "utan-js"])
def test_a_refused_slot_form_focuses_its_error_summary(
    chromium: Any, live_server: LiveServer, js: bool
) -> None:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", base_url=live_server.url, java_script_enabled=js
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if (m.type == "error" and not REFUSAL_STATUS.search(m.text))
            or "Content Security" in m.text
            else None
        ),
    )
    try:
        assert sign_in_from_demo(page, "Arbetsplats ·") == "/oversikt"
        page.goto("/arbetsgivare/platser/ny")
        page.locator("#title").fill("")
        page.get_by_role("button", name="Spara").first.click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        links = summary.get_by_role("link")
        assert links.count() >= 2
        target = links.first.get_attribute("href")
        assert target is not None
        links.first.click()
        expect(page.locator(target)).to_be_in_viewport()
        assert page.url.endswith(target)
        assert problems == [], problems
    finally:
        context.close()
