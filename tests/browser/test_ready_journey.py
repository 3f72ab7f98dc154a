"""From a booking to 'Klar för prao' in real browsers, on phones, each person in her own
browser: the pupil books, the employer fills the risk assessment, the school's coordinator
approves it, the guardian consents by the link the outbox holds for her, and the pupil's
bookings and placement card say she is ready. With JavaScript on and off."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MISSING, PHONE, LiveServer, sign_in_from_demo
from tests.browser.crawl import page_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

# Each run takes its own pupil, school and workplace (the n-th on /demo): the demo is shared
# by every test.
PEOPLE = {
    True: ("Lindbergsskolan, klass 8B", "SYV · Lindbergsskolan", 1),
    False: ("Påskbergsskolan, klass 8B", "SYV · Påskbergsskolan", 2),
}


def person(chromium: Any, server: LiveServer, js: bool) -> Page:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", java_script_enabled=js, base_url=server.url
    )
    page: Page = context.new_page()
    return page


def employers_slot(employer: Page) -> tuple[str, str]:
    """A published slot of the workplace with places left: its id and title."""
    for href in employer.locator("a[href^='/arbetsgivare/platser/']").all():
        link = str(href.get_attribute("href"))
        if re.fullmatch(r"/arbetsgivare/platser/\d+", link):
            employer.goto(link)
            if (
                employer.get_by_text("Publicerad").count()
                and not employer.get_by_text("Fullbokad").count()
            ):
                return link.rsplit("/", 1)[1], employer.locator("h1").inner_text()
    raise AssertionError("the workplace has no published slot with places left")


def free_the_pupil(pupil: Page) -> None:
    """The demo may have booked her already: she cancels it, as she would, to book anew."""
    pupil.goto("/mina-bokningar")
    while pupil.get_by_role("link", name=re.compile("^Avboka ")).count():
        pupil.get_by_role("link", name=re.compile("^Avboka ")).first.click()
        pupil.get_by_role("button", name="Ja, avboka").click()
        expect(pupil.locator(".notice-success")).to_contain_text("avbokad")


def fill_assessment(employer: Page, slot_id: str) -> None:
    employer.goto(f"/arbetsgivare/platser/{slot_id}/riskbedomning")
    employer.locator("#tasks").fill("Leka med barnen, duka fram frukt, läsa sagor.")
    for no in employer.locator("input[type=radio][value=nej]").all():
        no.check()
    employer.locator("#supervisor_name").fill("Maria Handledare")
    employer.locator("#supervisor_phone").fill("0340-123 45")
    employer.locator("#supervisor_email").fill("maria@example.com")
    employer.locator("#supervisor_years").fill("6")
    employer.locator("#meeting_place").fill("Entrén mot lekplatsen")
    employer.locator("#ask_for").fill("Maria")
    employer.locator("#emergency_name").fill("Förskolechefen")
    employer.locator("#emergency_phone").fill("0340-999 99")
    employer.get_by_role("button", name="Skicka in till skolorna").click()
    expect(employer.locator(".notice-success")).to_be_visible()


def consent_link(guardian: Page, booking_id: str) -> str:
    """The link mailed to her guardian, found in the demo outbox."""
    path = "/utkorg"
    for _ in range(20):
        guardian.goto(path)
        found = guardian.locator(f"a[href*='/samtycke/{booking_id}/']")
        if found.count():
            return "/" + str(found.first.get_attribute("href")).split("/", 3)[3]
        older = guardian.get_by_role("link", name=re.compile("äldre"))
        if not older.count():
            break
        path = str(older.first.get_attribute("href"))
    raise AssertionError(f"no consent link for booking {booking_id} in the demo outbox")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_a_booking_becomes_ready_for_prao(chromium: Any, live_server: LiveServer, js: bool) -> None:
    pupil_card, coordinator_card, employer_card = PEOPLE[js]
    pupil, employer = person(chromium, live_server, js), person(chromium, live_server, js)
    coordinator, guardian = person(chromium, live_server, js), person(chromium, live_server, js)
    problems: list[str] = []

    def check(page: Page) -> None:
        # Layout and axe need the page's own scripting; without it the walk itself is the check.
        if js:
            problems.extend(f"{page.url}: {p}" for p in page_problems(page))

    employer.goto("/demo")
    employer.locator("li.card", has_text="Arbetsplats ·").nth(employer_card).get_by_role(
        "button"
    ).click()
    employer.wait_for_url(lambda url: not url.endswith("/demo"))
    slot_id, title = employers_slot(employer)

    pupil.goto("/demo")
    pupil_name = (
        pupil.locator("li.card", has_text=pupil_card).first.locator(".card-title").inner_text()
    )
    sign_in_from_demo(pupil, pupil_card)
    free_the_pupil(pupil)
    pupil.goto(f"/platser/{slot_id}")
    pupil.locator("form[action$='/boka'] button").click()
    pupil.wait_for_url("**/mina-bokningar")
    card = pupil.locator("main .card", has_text=title).first
    expect(card).to_contain_text("Nästa steg: Väntar på riskbedömning från arbetsplatsen")
    cancel = card.get_by_role("link", name=re.compile("^Avboka "))
    booking_id = str(cancel.get_attribute("href")).split("/")[2]
    check(pupil)

    fill_assessment(employer, slot_id)
    check(employer)
    pupil.reload()
    expect(pupil.locator("main .card", has_text=title).first).to_contain_text(
        "Väntar på att skolan godkänner riskbedömningen"
    )

    sign_in_from_demo(coordinator, coordinator_card)
    coordinator.goto("/oversikt/riskbedomningar")
    coordinator.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    coordinator.get_by_role("button", name=re.compile("^Godkänn")).click()
    expect(coordinator.locator(".notice-success")).to_be_visible()
    check(coordinator)

    pupil.reload()
    expect(pupil.locator("main .card", has_text=title).first).to_contain_text(
        "Väntar på vårdnadshavares godkännande"
    )

    guardian.goto(consent_link(guardian, booking_id))
    expect(guardian.locator("main")).to_contain_text(title)
    guardian.get_by_role("button", name="Jag godkänner", exact=True).click()
    expect(guardian.locator("main")).to_contain_text("godkänt")
    check(guardian)

    pupil.reload()
    ready = pupil.locator("main .card", has_text=title).first
    expect(ready).to_contain_text("Klar för prao")
    expect(ready).not_to_contain_text("Nästa steg")
    pupil.goto(f"/bokningar/{booking_id}/kort")
    expect(pupil.locator("main")).to_contain_text("Klar för prao")
    check(pupil)
    # The period page lists her among those ready.
    coordinator.goto("/oversikt/perioder")
    period = coordinator.get_by_role("link", name=re.compile(r"^Prao åk 8")).first
    coordinator.goto(f"{period.get_attribute('href')}?steg=klar")
    expect(coordinator.locator("#elev-tabell")).to_contain_text("klar för prao")
    expect(coordinator.locator("table", has=coordinator.locator("#elev-tabell"))).to_contain_text(
        pupil_name
    )
    check(coordinator)
    assert problems == []
