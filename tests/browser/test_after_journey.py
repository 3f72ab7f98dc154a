"""During and after the placement in real browsers, each person in her own, with JavaScript
on and off, on a server whose clock the journey moves (tests.browser.moved_clock): the
supervisor tells the school by her link that the pupil has not come, and the school sees it
on the period page that day; on the last day she confirms the week by her link, then signs
the certificate by the next; the pupil downloads the PDF (read back with pypdf) and
`/intyg/{code}` verifies it. The unhappy paths on the way: a link used twice, a link used by
the wrong person or for the wrong pupil, a link after the period, another workplace asking
for the certificate."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from prao.config import TIMEZONE
from prao.services.first_day_brief import brief_day
from tests.browser.conftest import MISSING, PHONE, ROOT, LiveServer, running_server
from tests.browser.crawl import page_problems
from tests.browser.moved_clock import set_moment
from tests.browser.test_ready_journey import employers_slot, free_the_pupil

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

# Each run its own pupil, school and workplace (the n-th on /demo), as in the ready journey.
PEOPLE = {
    True: ("Lindbergsskolan, klass 8B", "SYV · Lindbergsskolan", 1),
    False: ("Påskbergsskolan, klass 8B", "SYV · Påskbergsskolan", 2),
}
OTHER_WORKPLACE = 0
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


class Clock:
    """The moved server's environment, its clock file and the sweeps run on it."""

    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.env, self.path = env, path

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tests.browser.moved_clock", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout.strip().splitlines()[-1]

    def set(self, day: date | None, hour: int = 9) -> None:
        set_moment(self.path, datetime.combine(day, time(hour), TIMEZONE) if day else None)

    def sweep(self) -> None:
        self.run("sweep")

    def dates(self, booking_id: str) -> tuple[date, date]:
        start, end = self.run("dates", booking_id).split()
        return date.fromisoformat(start), date.fromisoformat(end)


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Clock]]:
    var = tmp_path_factory.mktemp("moved-clock")
    path = var / "moment"
    set_moment(path, None)

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "tests.browser.moved_clock", "serve", str(port)]

    with running_server(var, command, {"PRAO_TEST_CLOCK": str(path)}) as (server, env):
        yield server, Clock(env, path)


def person(chromium: Any, server: LiveServer, js: bool) -> Page:
    context = chromium.new_context(
        viewport=PHONE,
        locale="sv-SE",
        java_script_enabled=js,
        base_url=server.url,
        accept_downloads=True,
    )
    page: Page = context.new_page()
    return page


def demo_sign_in(page: Page, card: str, nth: int = 0) -> None:
    page.goto("/demo")
    page.locator("li.card", has_text=card).nth(nth).get_by_role("button").click()
    page.wait_for_url(lambda url: not url.endswith("/demo"))


def outbox_link(page: Page, fragment: str) -> str:
    """The newest link in the demo outbox whose address holds `fragment`, as a path."""
    path = "/utkorg"
    for _ in range(30):
        page.goto(path)
        found = page.locator(f"a[href*='{fragment}']")
        if found.count():
            return "/" + str(found.first.get_attribute("href")).split("/", 3)[3]
        older = page.get_by_role("link", name=re.compile("äldre"))
        if not older.count():
            break
        path = str(older.first.get_attribute("href"))
    raise AssertionError(f"no link with {fragment} in the demo outbox")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_no_show_week_certificate_and_its_verification(
    chromium: Any, moved: tuple[LiveServer, Clock], js: bool
) -> None:
    server, clock = moved
    pupil_card, coordinator_card, employer_card = PEOPLE[js]
    pupil, employer = person(chromium, server, js), person(chromium, server, js)
    supervisor, coordinator = person(chromium, server, js), person(chromium, server, js)
    visitor, other = person(chromium, server, js), person(chromium, server, js)
    problems: list[str] = []

    def check(page: Page) -> None:
        if js:  # layout and axe need the page's own scripting
            problems.extend(f"{page.url}: {p}" for p in page_problems(page))

    # Today: the pupil books a place at the workplace.
    clock.set(None)
    demo_sign_in(employer, "Arbetsplats ·", employer_card)
    slot_id, title = employers_slot(employer)
    pupil.goto("/demo")
    name = pupil.locator("li.card", has_text=pupil_card).first.locator(".card-title").inner_text()
    first_name = name.split()[0]
    demo_sign_in(pupil, pupil_card)
    free_the_pupil(pupil)
    pupil.goto(f"/platser/{slot_id}")
    pupil.locator("form[action$='/boka'] button").click()
    pupil.wait_for_url("**/mina-bokningar")
    card = pupil.locator("main .card", has_text=title).first
    cancel = card.get_by_role("link", name=re.compile("^Avboka "))
    booking_id = str(cancel.get_attribute("href")).split("/")[2]
    start, end = clock.dates(booking_id)

    # Three working days before the start: the first-day brief, with the supervisor's link.
    clock.set(brief_day(start), 10)
    clock.sweep()
    no_show = outbox_link(supervisor, f"/handledare/inte-kommit/{booking_id}/")
    absence = outbox_link(supervisor, f"/franvaro/{booking_id}/")

    # The first morning: she has not come.
    clock.set(start, 9)
    supervisor.goto(no_show)
    expect(supervisor.locator("h1")).to_contain_text(f"{first_name} har inte kommit")
    check(supervisor)
    supervisor.get_by_role("button", name=re.compile("^Meddela skolan")).click()
    expect(supervisor.locator(".notice-success")).to_contain_text("Skolan och vårdnadshavarna")
    # Used twice: the page says it is done, and there is nothing to press.
    supervisor.goto(no_show)
    expect(supervisor.locator(".notice-success")).to_be_visible()
    expect(supervisor.get_by_role("button", name=re.compile("^Meddela skolan"))).to_have_count(0)
    # For another pupil, or with the guardian's link in its place: no such link.
    booking, token = no_show.rsplit("/", 2)[1:]
    wrong = supervisor.goto(no_show.replace(f"/{booking}/", f"/{int(booking) + 1}/"))
    assert wrong is not None and wrong.status == 404
    expect(supervisor.locator("main")).to_contain_text("Länken finns inte")
    guardians = absence.rsplit("/", 1)[1]
    assert supervisor.goto(no_show.replace(token, guardians)).status == 404  # type: ignore[union-attr]

    # The school sees it on the period page, that day.
    demo_sign_in(coordinator, coordinator_card)
    coordinator.goto("/oversikt/perioder")
    coordinator.get_by_role("link", name=re.compile(r"^Prao åk 8")).first.click()
    today = coordinator.locator("section", has=coordinator.locator("#inte-kommit-rubrik"))
    expect(today).to_contain_text("Har inte kommit i dag")
    expect(today).to_contain_text(name)
    check(coordinator)

    # The last day's afternoon: the week, by the supervisor's next link.
    clock.set(end, 14)
    clock.sweep()
    week = outbox_link(supervisor, f"/handledare/narvaro/{booking_id}/")
    supervisor.goto(week)
    expect(supervisor.locator("main")).to_contain_text(first_name)
    check(supervisor)
    supervisor.get_by_role("button", name="Bekräfta veckan").click()
    expect(supervisor.locator(".notice-success")).to_contain_text("Närvaron är bekräftad")
    supervisor.goto(week)
    expect(supervisor.get_by_role("button", name="Bekräfta veckan")).to_have_count(0)

    # The day after: the certificate.
    clock.set(end + timedelta(days=1), 9)
    clock.sweep()
    sign = outbox_link(supervisor, f"/handledare/intyg/{booking_id}/")
    supervisor.goto(sign)
    for item in ("punctuality", "initiative", "cooperation", "interest"):
        supervisor.locator(f"input[name={item}][value='4']").check()
    supervisor.locator("#comment").fill("Nyfiken och noggrann.")
    supervisor.locator("#signed_name").fill("Maria Handledare")
    check(supervisor)
    supervisor.get_by_role("button", name="Signera intyget").click()
    signed = supervisor.locator(".notice-success")
    expect(signed).to_contain_text("Intyget är signerat av Maria Handledare")
    code_on_page = CODE.search(signed.inner_text())
    assert code_on_page is not None
    # After the period the guardian's link no longer reports anything.
    after = supervisor.goto(absence)
    assert after is not None and after.status == 410
    expect(supervisor.locator("main")).to_contain_text("Praon är slut")

    # The pupil downloads her certificate: a real download, read back.
    demo_sign_in(pupil, pupil_card)
    pupil.goto(f"/bokningar/{booking_id}/kort")
    with pupil.expect_download() as download:
        pupil.get_by_role("link", name="Ladda ner praktikintyget (PDF)").click()
    saved = download.value.path()
    assert saved is not None and download.value.suggested_filename.endswith(".pdf")
    text = PdfReader(io.BytesIO(Path(saved).read_bytes())).pages[0].extract_text()
    found = CODE.search(text)
    assert found is not None and found.group(0) == code_on_page.group(0), text
    assert first_name in text and "Maria Handledare" in text
    check(pupil)

    # Anyone holding the paper checks it; another workplace cannot have it.
    visitor.goto(f"/intyg/{found.group(0)}")
    expect(visitor.locator(".notice-success")).to_contain_text("är äkta")
    expect(visitor.locator("main")).to_contain_text(first_name)
    expect(visitor.locator("main")).not_to_contain_text(name.split()[-1])
    check(visitor)
    demo_sign_in(other, "Arbetsplats ·", OTHER_WORKPLACE)
    refused = other.context.request.get(f"/bokningar/{booking_id}/intyg.pdf")
    assert refused.status == 404 and b"%PDF" not in refused.body()
    clock.set(None)
    assert problems == []
