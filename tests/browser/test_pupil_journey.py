"""A pupil on a phone: demo sign-in, filtering, booking, my bookings; with and without JavaScript.
axe-core checks the pupil pages; screenshots land in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MISSING, Axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

BOOK_BUTTON = "form[action$='/boka'] button"
BOOKED = re.compile("Bokningen är klar|Din förfrågan är skickad")


def sign_in_as_pupil(page: Page, index: int) -> str:
    """One click on /demo; every test takes its own pupil so bookings do not collide."""
    page.goto("/demo")
    card = page.locator("li.card", has_text="Elev ·").nth(index)
    name = card.locator(".card-title").inner_text()
    card.get_by_role("button").click()
    page.wait_for_url("**/platser")
    expect(page.locator("h1")).to_have_text("Praoplatser")
    expect(page.locator(".notice-success")).to_contain_text(f"Välkommen, {name}!")
    return name


def card_titles(page: Page) -> list[str]:
    return page.locator(".card-title a").all_inner_texts()


def assert_accessible(page: Page) -> None:
    serious = Axe.serious_violations(page)
    assert serious == [], [(v["id"], v["help"]) for v in serious]


def test_pupil_with_javascript_searches_books_and_sees_her_booking(phone):
    me = phone(js=True)
    page = me.page
    sign_in_as_pupil(page, 0)
    me.shot("js-1-platser")
    assert_accessible(page)

    everything = page.locator(".result-count").inner_text()
    page.evaluate("window.samePage = true")  # gone if the browser loads a whole new page
    page.locator("#q").press_sequentially("kock", delay=40)
    expect(page).to_have_url(re.compile(r"/platser\?q=kock&"))  # hx-push-url
    expect(page.locator(".result-count")).not_to_have_text(everything)
    titles = card_titles(page)
    assert titles and set(titles) == {"Kock"}
    assert page.evaluate("window.samePage") is True
    me.shot("js-2-sok")

    page.locator(".card-title a").first.click()
    expect(page.locator("h1")).to_have_text("Kock")
    assert page.evaluate("window.samePage") is True  # hx-boost swapped the body
    me.shot("js-3-plats")
    assert_accessible(page)

    page.locator(BOOK_BUTTON).click()
    page.wait_for_url("**/mina-bokningar")
    expect(page.locator("h1")).to_have_text("Mina bokningar")
    expect(page.locator(".notice-success")).to_have_text(BOOKED)
    expect(page.locator("main .card").first).to_contain_text("Kock")
    me.shot("js-4-mina-bokningar")
    assert_accessible(page)
    assert me.problems == []


def test_pupil_without_javascript_filters_books_and_sees_her_booking(phone):
    me = phone(js=False)
    page = me.page
    sign_in_as_pupil(page, 1)
    me.shot("nojs-1-platser")

    page.locator("summary").click()  # <details> opens without scripts
    page.select_option("#bransch", "Handel")
    page.check("#lediga")
    page.get_by_role("button", name="Visa platser").click()
    page.wait_for_url(re.compile(r"bransch=Handel"))
    cards = page.locator("main .card")
    expect(cards.first).to_be_visible()
    for text in cards.all_inner_texts():
        assert "Handel" in text

    page.locator("#q").fill("lager")
    page.get_by_role("button", name="Sök", exact=True).click()
    page.wait_for_url(re.compile(r"q=lager.*bransch=Handel.*lediga=1"))
    titles = card_titles(page)
    assert titles and set(titles) == {"Lagerarbetare"}
    me.shot("nojs-2-filter")

    page.locator(".card-title a").first.click()
    expect(page.locator("h1")).to_have_text("Lagerarbetare")
    me.shot("nojs-3-plats")
    page.locator(BOOK_BUTTON).click()
    page.wait_for_url("**/mina-bokningar")
    expect(page.locator(".notice-success")).to_have_text(BOOKED)
    expect(page.locator("main .card").first).to_contain_text("Lagerarbetare")
    me.shot("nojs-4-mina-bokningar")


def test_refusal_after_booking_in_another_tab_is_shown_in_place(phone):
    """htmx must swap in the 409 page, not drop it: the pupil reads why nothing happened."""
    me = phone(js=True)
    first = me.page
    sign_in_as_pupil(first, 2)
    first.goto("/platser?q=servit%C3%B6r&lediga=1")
    first.locator(".card-title a").first.click()
    expect(first.locator(BOOK_BUTTON)).to_be_visible()

    second = me.new_tab()
    second.goto(f"{me.context.pages[0].url.split('/platser')[0]}/platser?q=bagare&lediga=1")
    second.locator(".card-title a").first.click()
    second.locator(BOOK_BUTTON).click()
    second.wait_for_url("**/mina-bokningar")

    first.locator(BOOK_BUTTON).click()
    alert = first.get_by_role("alert")
    expect(alert).to_contain_text("Du har redan en bokning under den här praoperioden.")
    me.shot("js-5-redan-bokad")
    assert_accessible(first)
    assert me.problems == []


def test_visa_fler_appends_the_next_cards(phone):
    me = phone(js=True)
    page = me.page
    sign_in_as_pupil(page, 3)
    expect(page.locator("main .card")).to_have_count(20)
    page.evaluate("window.samePage = true")
    page.get_by_role("link", name="Visa fler platser").click()
    expect(page.locator("main .card")).to_have_count(40)
    assert page.url.endswith("/platser")
    assert page.evaluate("window.samePage") is True
    assert me.problems == []


def test_sign_in_by_email_link_and_staff_start_page(phone):
    me = phone(js=True)
    page = me.page
    page.goto("/logga-in")
    me.shot("js-0-logga-in")
    assert_accessible(page)
    page.locator("#email").fill("syv1@varberg.example.com")
    page.get_by_role("button", name="Skicka inloggningslänk").click()
    expect(page.locator("h1")).to_have_text("Kolla din e-post")
    me.shot("js-0-kolla-din-e-post")
    assert_accessible(page)

    page.goto("/utkorg")
    page.locator("a[href*='/logga-in/']").first.click()
    expect(page.get_by_role("button", name="Logga in", exact=True)).to_be_visible()
    me.shot("js-0-inloggningslank")
    assert_accessible(page)
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url("**/oversikt")
    expect(page.locator("h1")).to_contain_text("Översikt")
    me.shot("js-6-oversikt-syv")
    assert_accessible(page)
    assert me.problems == []


def test_the_accessibility_check_does_find_problems(phone):
    """Guards the checks above: an image without alt text and an unnamed button are reported."""
    me = phone(js=True)
    me.page.goto("/logga-in")
    me.page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/prao.css';
            document.querySelector('main').append(img, document.createElement('button'));
        }"""
    )
    found = {v["id"] for v in Axe.serious_violations(me.page)}
    assert {"image-alt", "button-name"} <= found
