"""Vetting on a phone, with and without JavaScript: a workplace signs up; the organiser admin
finds it under Arbetsplatser, sees its organisation number and contact, and approves it (or
declines it after a confirmation page, with a reason). axe-core checks the pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from prao import orgnr
from tests.browser.conftest import MISSING
from tests.browser.test_pupil_journey import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


def sign_up(page: Page, name: str, number: str, email: str) -> None:
    page.goto("/arbetsgivare/registrera")
    page.fill("#name", name)
    page.fill("#orgNumber", number)
    page.fill("#address", "Hamngatan 1")
    page.fill("#city", "Varberg")
    page.fill("#contactName", "Siv Snickare")
    page.fill("#contactEmail", email)
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("h1")).to_have_text("Kolla din e-post")


def sign_in_as_admin(page: Page) -> None:
    page.goto("/demo")
    page.locator("li.card", has_text="Admin").first.get_by_role("button").click()
    page.wait_for_url("**/oversikt")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_admin_vets_a_new_workplace(phone, js: bool) -> None:
    tag = "js" if js else "nojs"
    name = f"Snickeriet {tag}"
    number = orgnr.with_check_digit("559911001" if js else "559911002")
    me = phone(js=js)
    page = me.page
    sign_up(page, name, number, f"siv.{tag}@snickeri.example.se")

    boss = phone(js=js)
    admin = boss.page
    sign_in_as_admin(admin)
    admin.get_by_role("navigation").get_by_role("link", name="Arbetsplatser").click()
    expect(admin.locator("h1")).to_have_text("Granska arbetsplatser")
    card = admin.locator("main .card", has_text=name)
    expect(card).to_contain_text(number)
    expect(card).to_contain_text(f"siv.{tag}@snickeri.example.se")
    boss.shot(f"vetting-{tag}-1-lista")
    if js:
        assert_accessible(admin)
        card.get_by_role("button", name=f"Godkänn {name}").click()
        expect(admin.locator(".notice-success")).to_contain_text(f"{name} är godkänd")
    else:
        card.get_by_role("link", name=f"Neka {name}").click()
        expect(admin.locator("h1")).to_have_text(f"Neka {name}?")
        admin.get_by_role("button", name=f"Ja, neka {name}").click()  # no reason: refused
        expect(admin.locator("h1")).to_have_text(f"Neka {name}?")
        admin.fill("#reason", "Organisationsnumret hör till ett annat företag.")
        boss.shot(f"vetting-{tag}-2-neka")
        admin.get_by_role("button", name=f"Ja, neka {name}").click()
        expect(admin.locator(".notice-success")).to_contain_text(f"{name} är nekad")
    expect(admin.locator("main .card", has_text=name)).to_have_count(0)
    boss.shot(f"vetting-{tag}-3-klar")
    assert me.problems == [] and boss.problems == []
