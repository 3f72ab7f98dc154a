"""An organiser admin signs a coordinator out everywhere, on a phone and at desktop width, with
and without JavaScript: the list, the confirmation page, and the coordinator's own browser,
which is signed out at once. axe-core checks the pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MISSING
from tests.browser.test_pupil_journey import assert_accessible
from tests.browser.test_vetting_journey import sign_in_as_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

DESKTOP = {"width": 1280, "height": 900}
SIGN_OUT = "form[action='/logga-ut'] button"


def sign_in_as(page: Page, name: str) -> None:
    page.goto("/demo")
    page.locator("li.card", has_text=name).first.get_by_role("button").click()
    page.wait_for_url("**/oversikt")


@pytest.mark.parametrize(
    ("js", "coordinator"),
    [(True, "SYV Håstensskolan"), (False, "SYV Lindbergsskolan")],
    ids=["js", "nojs"],
)
def test_admin_signs_a_coordinator_out_everywhere(phone, js: bool, coordinator: str) -> None:
    tag = "js" if js else "nojs"
    them = phone(js=js)
    sign_in_as(them.page, coordinator)

    me = phone(js=js)
    admin = me.page
    sign_in_as_admin(admin)
    admin.get_by_role("link", name="Användare").click()
    expect(admin.locator("h1")).to_have_text("Användare")
    row = admin.locator("tbody tr", has_text=coordinator)
    expect(row).to_contain_text("Aktiv")
    me.shot(f"users-{tag}-1-lista")
    if js:
        assert_accessible(admin)
    admin.set_viewport_size(DESKTOP)
    expect(row.get_by_role("link", name="Logga ut överallt")).to_be_visible()
    me.shot(f"users-{tag}-1-lista-desktop")

    row.get_by_role("link", name="Logga ut överallt").click()
    expect(admin.locator("h1")).to_have_text(f"Logga ut {coordinator} överallt?")
    if js:
        assert_accessible(admin)
    admin.get_by_role("link", name="Avbryt").click()  # changing one's mind changes nothing
    expect(admin.locator("h1")).to_have_text("Användare")
    them.page.goto("/oversikt")
    expect(them.page.locator(SIGN_OUT)).to_be_visible()  # still signed in

    row.get_by_role("link", name="Logga ut överallt").click()
    admin.get_by_role("button", name="Logga ut överallt").click()
    expect(admin.locator(".notice-success")).to_contain_text(
        f"{coordinator} är utloggad på alla enheter"
    )
    me.shot(f"users-{tag}-2-klar")

    them.page.goto("/oversikt")  # her own browser is signed out at once
    expect(them.page).to_have_url(re.compile(r"/logga-in"))
    expect(them.page.locator(SIGN_OUT)).to_have_count(0)
    assert me.problems == [] and them.problems == []
