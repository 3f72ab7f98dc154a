"""The allocation period end to end on phones: a coordinator imports a class list, the imported
pupils sign in by e-mailed link and rank wishes, the coordinator runs the allocation, previews
and applies it, and a pupil finds her placement in Mina bokningar. axe-core checks the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MISSING, PHONE, Axe, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

CLASS_LIST = (
    "Förnamn;Efternamn;Klass;Årskurs;E-post;Vårdnadshavares e-post;Elev-ID;Skyddad identitet\r\n"
    "Åsa;Öberg;9D;9;asa.oberg@elev.example.se;vh.oberg@example.se;BT-1;Nej\r\n"
    "Björn;Ängström;9D;9;bjorn.angstrom@elev.example.se;;BT-2;Nej\r\n"
)
PUPILS = ["asa.oberg@elev.example.se", "bjorn.angstrom@elev.example.se"]
WISH_SEARCHES = ["kock", "bagare", "lager"]
REFUSAL_STATUS = re.compile(r"Failed to load resource: .* status of (403|409|422)\b")


class Phone:
    def __init__(self, chromium: Any, server: LiveServer, artifacts: Path, js: bool) -> None:
        self.context = chromium.new_context(
            viewport=PHONE, locale="sv-SE", java_script_enabled=js, base_url=server.url
        )
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.artifacts = artifacts
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if REFUSAL_STATUS.search(message.text):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"alloc-{name}.png"), full_page=True)


@pytest.fixture
def phone(chromium: Any, live_server: LiveServer, artifacts: Path) -> Iterator[Any]:
    opened: list[Phone] = []

    def open_phone(js: bool = True) -> Phone:
        opened.append(Phone(chromium, live_server, artifacts, js))
        return opened[-1]

    yield open_phone
    for p in opened:
        p.context.close()


def assert_accessible(page: Page) -> None:
    serious = Axe.serious_violations(page)
    assert serious == [], [(v["id"], v["help"]) for v in serious]


def sign_in_by_link(page: Page, email: str, start: str) -> None:
    page.goto("/logga-in")
    page.locator("#email").fill(email)
    page.get_by_role("button", name="Skicka inloggningslänk").click()
    expect(page.locator("h1")).to_have_text("Kolla din e-post")
    page.goto(f"/utkorg?till={email}")
    mail = page.locator("li.message", has_text=email).first
    mail.locator("a[href*='/logga-in/']").click()
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url(f"**{start}")


def add_wish(page: Page, search: str, check: bool = False) -> str:
    """Open the search's slots until one offers "Lägg till som önskemål"; returns its title."""
    page.goto(f"/platser?q={search}")
    links = page.locator(".card-title a")
    for i in range(links.count()):
        page.goto(f"/platser?q={search}")
        page.locator(".card-title a").nth(i).click()
        page.wait_for_url(re.compile(r"/platser/\d+$"))
        page.locator(".booking-panel").wait_for()
        button = page.get_by_role("button", name="Lägg till som önskemål")
        if button.count():
            if check:
                assert_accessible(page)
            title = page.locator("h1").inner_text()
            button.click()
            page.wait_for_url("**/onskemal")
            return title
    raise AssertionError(f"no slot to wish for among {search!r}")


def test_import_wishes_allocation_and_placement(phone, tmp_path: Path) -> None:
    syv = phone(js=True)
    page = syv.page
    sign_in_by_link(page, "syv1@varberg.example.com", "/oversikt")
    page.get_by_role("link", name="Läs in klasslista").first.click()
    expect(page.locator("h1")).to_have_text("Läs in klasslista")
    syv.shot("1-klasslista")
    assert_accessible(page)
    csv_file = tmp_path / "klass-9d.csv"
    csv_file.write_bytes(CLASS_LIST.encode("cp1252"))  # as Excel on Swedish Windows saves it
    page.set_input_files("#file", str(csv_file))
    page.get_by_role("button", name="Visa förhandsgranskning").click()
    expect(page.locator("h1")).to_have_text("Granska klasslistan")
    expect(page.locator("main table")).to_contain_text("Åsa")
    expect(page.locator("main table")).to_contain_text("Ängström")
    syv.shot("2-forhandsgranskning")
    assert_accessible(page)
    page.get_by_role("button", name="Läs in 2 elever").click()
    expect(page.locator(".notice-success")).to_contain_text("2 nya")

    period_link = page.get_by_role("link", name=re.compile("^Prao åk 9"))
    period_link.click()
    expect(page.locator("h1")).to_contain_text("Prao åk 9")
    expect(page.locator("main")).to_contain_text("Öberg")
    period_url = page.url
    syv.shot("3-period")
    assert_accessible(page)

    wished: dict[str, list[str]] = {}
    for n, email in enumerate(PUPILS):
        pupil = phone(js=n == 0)  # the second pupil has no JavaScript: plain forms
        sign_in_by_link(pupil.page, email, "/platser")
        searches = WISH_SEARCHES[n:] + WISH_SEARCHES[:n]
        wished[email] = [add_wish(pupil.page, s, check=n == 0) for s in searches]
        wishes = pupil.page.locator(".wish-list > li")
        expect(wishes).to_have_count(3)
        pupil.page.locator(".wish-list > li").nth(2).get_by_role(
            "button", name=re.compile("^Upp")
        ).click()
        expect(pupil.page.locator(".wish-list > li").nth(1)).to_contain_text(wished[email][2])
        said = f"{wished[email][2]} är nu önskemål 2 av 3."
        if n == 0:  # htmx swapped the list: her focus stays on the wish she moved, and is told
            focused = pupil.page.evaluate("document.activeElement.textContent")
            assert focused.startswith("Upp") and wished[email][2] in focused, focused
            expect(pupil.page.locator("#onskemal-status")).to_have_text(said)
        else:
            expect(pupil.page.locator(".notice-success")).to_have_text(said)
        wished[email][1], wished[email][2] = wished[email][2], wished[email][1]
        pupil.shot(f"4-onskemal-{n}")
        if n == 0:  # axe runs as a script: not in the browser without JavaScript
            assert_accessible(pupil.page)
        assert pupil.problems == []

    page.goto(period_url)
    expect(page.locator("main")).to_contain_text("har lämnat önskemål")
    page.get_by_role("button", name="Gör en provfördelning").click()
    page.wait_for_url(re.compile(r"/fordelning/\d+$"))
    apply = page.get_by_role("button", name="Tillämpa")
    expect(apply).to_be_visible(timeout=30_000)
    syv.shot("5-forslag")
    page.locator("#confirm").check()
    apply.click()
    expect(page.locator(".notice-success").first).to_contain_text("tillämpat")
    syv.shot("6-tillampat")

    first = phone(js=True)
    sign_in_by_link(first.page, PUPILS[0], "/platser")
    first.page.get_by_role("link", name="Mina bokningar").click()
    first.page.wait_for_url("**/mina-bokningar")
    expect(first.page.locator("h1")).to_have_text("Mina bokningar")
    card = first.page.locator("main .card").first
    expect(card).to_be_visible()
    assert card.locator(".card-title").inner_text() in wished[PUPILS[0]]
    first.shot("7-mina-bokningar")
    assert_accessible(first.page)
    assert syv.problems == []
