"""Moving a wish: with JavaScript only the list is swapped, the moved wish's button keeps the
focus and a live region says where it went; without JavaScript the page says it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MISSING, PHONE, LiveServer
from tests.browser.test_allocation_journey import add_wish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


def sign_in(page: Any, card: str) -> None:
    page.goto("/demo")
    page.locator("li.card", has_text=card).first.get_by_role("button").click()
    page.wait_for_url("**/platser")


@pytest.mark.parametrize("js", [True, False], ids=["js", "utan-js"])
def test_a_moved_wish_keeps_the_focus_and_is_announced(
    chromium: Any, live_server: LiveServer, js: bool
) -> None:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", base_url=live_server.url, java_script_enabled=js
    )
    page = context.new_page()
    try:
        sign_in(page, "klass 9C · önskar platser" if js else "klass 9B · önskar platser")
        page.goto("/onskemal")
        items = page.locator(".wish-list > li")
        for left in reversed(range(items.count())):  # the demo's wishes out of the way
            items.first.get_by_role("button", name="Ta bort").click()
            expect(items).to_have_count(left)
        first = add_wish(page, "")
        second = add_wish(page, "")  # a wished place offers no "Lägg till" again
        assert second != first
        expect(items).to_have_count(2)
        items.nth(1).get_by_role("button", name="Upp").click()
        expect(items.nth(0)).to_contain_text(second)
        said = f"{second} är nu önskemål 1 av 2."
        if js:
            # First now: no Upp any more, so its Ner button has the focus.
            focused = page.evaluate("document.activeElement.textContent")
            assert focused.startswith("Ner") and second in focused, focused
            expect(page.locator("#onskemal-status")).to_have_text(said)
            assert page.locator("#onskemal-status").count() == 1
        else:
            expect(page.locator(".notice-success")).to_have_text(said)
    finally:
        context.close()
