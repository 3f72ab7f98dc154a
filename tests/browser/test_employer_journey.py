"""An employer on a phone: demo sign-in, a new slot (a refusal shown beside its field first),
publish; a pupil books it; the employer approves; the pupil sees "Bekräftad". axe-core checks
the employer pages; screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MISSING
from tests.browser.test_pupil_journey import assert_accessible, sign_in_as_pupil

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

TITLE = "Provsmakare"
EMPLOYER_INDEX = 2  # the pupil journey uses the first pupils and no employer
PUPIL_INDEX = 5


def sign_in_as_employer(page: Page) -> None:
    page.goto("/demo")
    card = page.locator("li.card", has_text="Arbetsplats ·").nth(EMPLOYER_INDEX)
    card.get_by_role("button").click()
    page.wait_for_url("**/oversikt")
    expect(page.locator("h1")).to_have_text("Era praoplatser")


def prao_dates(page: Page) -> tuple[str, str]:
    """The dates of one of the employer's seeded slots, which match the schools' prao weeks."""
    page.locator("main .card-title a").first.click()
    page.get_by_role("link", name="Ändra", exact=True).click()
    return page.input_value("#startDate"), page.input_value("#endDate")


def fill_slot(page: Page, start: str, end: str, ends_at: str) -> None:
    page.fill("#title", TITLE)
    page.select_option("#trade", "Restaurang och café")
    page.fill("#tasks", "Smaka av, duka och diska")
    page.fill("#startDate", start)
    page.fill("#endDate", end)
    page.fill("#dayStartsAt", "09:00")
    page.fill("#dayEndsAt", ends_at)
    page.fill("#breakMinutes", "30")
    page.fill("#capacity", "1")
    page.check("#requiresApproval")
    page.check("#visibleToAll-1")


def check(page: Page, js: bool) -> None:
    """axe runs as a script in the page, so only where scripts run."""
    if js:
        assert_accessible(page)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_employer_publishes_pupil_books_employer_approves(phone, js: bool) -> None:
    boss = phone(js=js)
    page = boss.page
    tag = "js" if js else "nojs"
    sign_in_as_employer(page)
    boss.shot(f"employer-{tag}-1-start")
    check(page, js)
    start, end = prao_dates(page)
    title = f"{TITLE} {tag}"

    page.goto("/arbetsgivare/platser/ny")
    fill_slot(page, start, end, ends_at="21:00")
    page.fill("#title", title)
    page.get_by_role("button", name="Spara utkast").click()
    error = page.locator("#dayEndsAt-fel")
    expect(error).to_contain_text("20:00 och 06:00")
    expect(page.locator("#dayEndsAt")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_value(title)  # nothing she typed is lost
    boss.shot(f"employer-{tag}-2-fel-tid")
    check(page, js)

    page.fill("#dayEndsAt", "15:00")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".notice-success")).to_contain_text("Utkastet är sparat")
    page.get_by_role("button", name="Publicera").click()
    expect(page.locator(".notice-success")).to_contain_text("Platsen är publicerad")
    expect(page.locator("main .status").first).to_have_text("Publicerad")
    boss.shot(f"employer-{tag}-3-publicerad")
    check(page, js)

    kid = phone(js=js)
    pupil_page = kid.page
    name = sign_in_as_pupil(pupil_page, PUPIL_INDEX + (0 if js else 1))
    first_name = name.split()[0]
    pupil_page.goto(f"/platser?q={title.replace(' ', '+')}")
    pupil_page.locator(".card-title a", has_text=title).click()
    pupil_page.locator("form[action$='/boka'] button").click()
    pupil_page.wait_for_url("**/mina-bokningar")
    expect(pupil_page.locator("main .card").first).to_contain_text("Väntar")

    page.reload()
    expect(page.locator("main")).to_contain_text(first_name)
    boss.shot(f"employer-{tag}-4-forfragan")
    check(page, js)
    page.get_by_role("button", name=f"Godkänn {first_name}").click()
    expect(page.locator(".notice-success")).to_contain_text("Eleven är godkänd")
    expect(page.locator("main .card", has_text=first_name).locator(".status")).to_have_text(
        "Bekräftad"
    )
    boss.shot(f"employer-{tag}-5-godkand")

    pupil_page.goto("/mina-bokningar")
    card = pupil_page.locator("main .card", has_text=title)
    expect(card.locator(".status")).to_have_text("Bekräftad")
    kid.shot(f"employer-{tag}-6-elev-bekraftad")
    assert boss.problems == [] and kid.problems == []


def test_sign_up_and_slot_form_are_accessible(phone) -> None:
    me = phone(js=True)
    page = me.page
    page.goto("/arbetsgivare/registrera")
    page.fill("#orgNumber", "556036-0794")
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("#orgNumber-fel")).to_contain_text("kontrollsiffran")
    me.shot("employer-0-registrera-fel")
    assert_accessible(page)
    sign_in_as_employer(page)
    page.goto("/arbetsgivare/kollegor")
    me.shot("employer-7-kollegor")
    assert_accessible(page)
    assert me.problems == []
