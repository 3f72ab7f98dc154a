"""During the placement on the web: the guardian's absence page behind her link, the
employer's 'has not come' from her slot page, the coordinator's list of today's no-shows on
the period page, and the limit on checking certificate codes."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from prao import clock, throttle
from prao.config import TIMEZONE
from prao.models import AttendanceDay, AuditEvent, Booking, OutboxMessage, School
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

GUARDIAN_LINK = re.compile(r"https?://[^/\s]+(/franvaro/\d+/\S+)")


async def briefed(world: World) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert outcome.value is not None, outcome.errors
    await Booking.filter(id=outcome.value.id).update(period_id=world.period_a.id)
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    start = world.slot.start_date
    await send_first_day_briefs(datetime.combine(start - timedelta(days=3), time(9), TIMEZONE))
    return outcome.value


def first_day(world: World, monkeypatch: pytest.MonkeyPatch, days: int = 0) -> None:
    moment = datetime.combine(world.slot.start_date + timedelta(days=days), time(8), TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: moment)


async def guardian_path() -> str:
    message = await OutboxMessage.get(kind="first_day_brief", to_address="vh.alva@example.se")
    found = GUARDIAN_LINK.search(message.body)
    assert found is not None, message.body
    return found.group(1)


async def test_the_guardian_reports_sick_by_her_link_once(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await briefed(world)
    path = await guardian_path()
    first_day(world, monkeypatch)
    async with browser_for(None) as c:
        page = await c.get(path)
        assert page.status_code == 200 and page.headers["cache-control"].startswith("no-store")
        assert "Alva är sjuk i dag" in main_text(page.text)
        token = await token_of(c, path)
        done = await c.post(path, data={"csrf_token": token, "kind": "sick"})
        text = main_text(done.text)
        assert done.status_code == 200 and "har fått besked att Alva är sjuk i dag" in text
        assert "Frånvarande, anmäld" in text
        again = await c.post(path, data={"csrf_token": token, "kind": "sick"})
        assert again.status_code == 200
        wrong = await c.get(path[:-3] + "abc")
        assert wrong.status_code == 404 and "Länken finns inte" in main_text(wrong.text)
        other = path.replace(f"/franvaro/{booking.id}/", f"/franvaro/{booking.id + 1}/")
        refused = await c.post(other, data={"csrf_token": token, "kind": "late"})
        assert refused.status_code == 404
    assert await OutboxMessage.filter(kind="absence_report").count() == 2  # workplace, school
    day = await AttendanceDay.get(booking_id=booking.id)
    assert day.status == "absent_reported"


async def test_the_guardian_link_after_the_placement_says_so(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await briefed(world)
    path = await guardian_path()
    first_day(world, monkeypatch, days=14)
    async with browser_for(None) as c:
        page = await c.get(path)
        assert page.status_code == 410 and "Praon är slut" in main_text(page.text)
    assert not await AttendanceDay.exists()


async def test_the_employer_says_from_her_slot_page_that_a_pupil_has_not_come(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await briefed(world)
    confirm = f"/arbetsgivare/bokningar/{booking.id}/inte-kommit"
    async with browser_for(world.employer_user) as c:
        before = await c.get(f"/arbetsgivare/platser/{world.slot.id}")
        assert confirm not in before.text  # weeks before the start
    first_day(world, monkeypatch)
    events = await AuditEvent.filter(action="report_no_show").count()
    async with browser_for(world.other_employer_user) as c:
        token = await token_of(c, "/oversikt")
        assert (await c.get(confirm)).status_code == 404
        assert (await c.post(confirm, data={"csrf_token": token})).status_code == 404
    async with browser_for(world.employer_user) as c:
        slot_page = await c.get(f"/arbetsgivare/platser/{world.slot.id}")
        assert confirm in slot_page.text and "Alva har inte kommit" in main_text(slot_page.text)
        page = await c.get(confirm)
        assert page.status_code == 200 and "Ja, meddela skolan" in main_text(page.text)
        assert "Andersson" not in page.text
        token = await token_of(c, confirm)
        done = await c.post(confirm, data={"csrf_token": token}, follow_redirects=True)
        assert "har fått besked att Alva inte har kommit i dag" in main_text(done.text)
        again = await c.post(confirm, data={"csrf_token": token})
        assert again.status_code == 422 and "redan fått besked" in main_text(again.text)
    told = {m.to_address for m in await OutboxMessage.filter(kind="no_show_report")}
    assert told == {"syv@skola-a.se", "vh.alva@example.se"}
    assert await AuditEvent.filter(action="report_no_show").count() == events + 1

    async with browser_for(world.coordinator_a) as c:
        period = main_text((await c.get(f"/oversikt/perioder/{world.period_a.id}")).text)
        assert "Har inte kommit i dag (1)" in period and "Alva Andersson" in period
        assert "1 har inte kommit i dag" in period
    async with browser_for(world.coordinator_b) as c:
        assert (await c.get(f"/oversikt/perioder/{world.period_a.id}")).status_code == 404


async def test_checking_certificate_codes_is_limited_per_caller(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(None) as c:
        for n in range(throttle.VERIFICATIONS_PER_CALLER):
            page = await c.get(f"/intyg/AAAA-BBBB-{n:04d}")
            assert page.status_code == 200 and "inget intyg" in main_text(page.text)
        refused = await c.get("/intyg/AAAA-BBBB-CCCC")
        assert refused.status_code == 429
        assert "Vänta en kvart" in main_text(refused.text)
        assert "inget intyg" not in main_text(refused.text)
