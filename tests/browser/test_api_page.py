"""/api on a phone: the page never scrolls sideways, code blocks do (and take keyboard focus),
and it passes axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MISSING, PHONE, Axe, LiveServer, sign_in_from_demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


def test_api_page_reads_on_a_phone(chromium: Any, live_server: LiveServer, artifacts: Path) -> None:
    context = chromium.new_context(viewport=PHONE, locale="sv-SE", base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/logga-in")
        page.get_by_role("link", name="API för skolsystem").click()
        expect(page.locator("h1")).to_have_text("API för skolsystem")
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert sideways <= 0
        python = page.locator("pre").filter(has_text="import httpx")
        widths = python.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert widths[0] > widths[1]  # the long lines scroll inside the block
        python.focus()
        expect(python).to_be_focused()
        serious = Axe.serious_violations(page)
        assert serious == [], [(v["id"], v["help"]) for v in serious]
        page.screenshot(path=str(artifacts / "api.png"))
        assert problems == []
    finally:
        context.close()


def test_graphiql_runs_a_query_offline(chromium: Any, live_server: LiveServer) -> None:
    """Demo GraphiQL with every other origin cut off: it loads from our own files and answers."""
    context = chromium.new_context(locale="sv-SE", base_url=live_server.url)
    outside: list[str] = []

    def only_ours(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        assert sign_in_from_demo(page, "SYV ·") == "/oversikt"
        page.goto("/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror").first
        expect(editor).to_be_visible(timeout=15_000)
        editor.evaluate("e => e.CodeMirror.setValue('{ slots(first: 1) { totalCount } }')")
        page.locator(".graphiql-execute-button").click()
        response = page.locator(".graphiql-response")
        expect(response).to_contain_text('"totalCount"')
        assert '"errors"' not in response.inner_text()
        assert outside == [] and problems == [], (outside, problems)
    finally:
        context.close()
