"""The supervisor's week and certificate behind their links, the pupil's PDF, the public
verification and the coordinator's attendance and certificates, as people use them."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta

import pytest
from pypdf import PdfReader

from prao import clock
from prao.config import TIMEZONE
from prao.models import AttendanceDay, AuditEvent, Booking, Certificate, OutboxMessage
from prao.services.after_the_end import send_after_the_end
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

LINK = re.compile(r"https?://[^/\s]+(/handledare/\S+)")
SIGNING = {
    "tasks": "Bakade bröd.",
    "punctuality": "4",
    "initiative": "3",
    "cooperation": "4",
    "interest": "2",
    "comment": "Bra jobbat!",
    "signed_name": "Sara Handledare",
}


async def ended_booking(world: World) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


async def path_of(kind: str) -> str:
    message = await OutboxMessage.filter(kind=kind).order_by("-id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None, message.body
    return found.group(1)


def last_day(world: World, days: int = 0, hour: int = 14) -> datetime:
    return datetime.combine(world.slot.end_date + timedelta(days=days), time(hour), TIMEZONE)


async def test_week_confirmed_once_then_certificate_signed_downloaded_and_verified(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await ended_booking(world)
    await send_after_the_end(last_day(world))
    week = await path_of("attendance_request")
    first = world.slot.start_date.isoformat()
    async with browser_for(None) as c:
        page = await c.get(week)
        assert page.status_code == 200, page.text
        text = main_text(page.text)
        assert "Alva" in text and "Andersson" not in text and "Bekräfta veckan" in text
        assert page.headers["cache-control"].startswith("no-store")
        token = await token_of(c, week)
        bad = await c.post(week, data={"csrf_token": token, f"note_{first}": "x" * 301})
        assert bad.status_code == 422 and "Högst 300 tecken" in main_text(bad.text)
        assert await AttendanceDay.filter(booking_id=booking.id).count() == 0
        done = await c.post(
            week, data={"csrf_token": token, f"day_{first}": "late", f"note_{first}": "Buss"}
        )
        assert done.status_code == 200 and "Närvaron är bekräftad" in main_text(done.text)
        again = await c.post(week, data={"csrf_token": token, f"day_{first}": "absent"})
        assert again.status_code == 410
    marked = await AttendanceDay.get(booking_id=booking.id, day=world.slot.start_date)
    assert marked.status == "late"

    await send_after_the_end(last_day(world, 1, 8))
    sign = await path_of("certificate_request")
    async with browser_for(None) as c:
        page = await c.get(sign)
        assert page.status_code == 200 and "10 av 10 arbetsdagar" in main_text(page.text)
        token = await token_of(c, sign)
        bad = await c.post(sign, data={**SIGNING, "csrf_token": token, "interest": "9"})
        assert bad.status_code == 422 and "Välj ett av alternativen 1–4" in main_text(bad.text)
        nul = await c.post(sign, data={**SIGNING, "csrf_token": token, "comment": "a\x00"})
        assert nul.status_code == 422 and "tecken som inte går att spara" in main_text(nul.text)
        assert (await Certificate.get(booking_id=booking.id)).signed_at is None
        done = await c.post(sign, data={**SIGNING, "csrf_token": token})
        assert done.status_code == 200 and "Intyget är signerat" in main_text(done.text)
        assert (await c.post(sign, data={**SIGNING, "csrf_token": token})).status_code == 410
    code = (await Certificate.get(booking_id=booking.id)).code
    assert code is not None

    async with browser_for(world.pupil_a_user) as c:
        card = await c.get(f"/bokningar/{booking.id}/kort")
        assert "Ladda ner praktikintyget" in card.text
        pdf = await c.get(f"/bokningar/{booking.id}/intyg.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert code in text and "Alva Andersson" in text and "Varbergs kommun" in text
    for other in (world.other_employer_user, world.coordinator_b, world.pupil_b_user):
        async with browser_for(other) as c:
            refused = await c.get(f"/bokningar/{booking.id}/intyg.pdf")
            assert refused.status_code == 404
    async with browser_for(None) as c:
        verified = main_text((await c.get(f"/intyg/{code.lower()}")).text)
        assert "är äkta" in verified and "Alva" in verified and "Café Solen" in verified
        assert "Andersson" not in verified and "Skola A" not in verified
        assert "inget intyg" in main_text((await c.get("/intyg/AAAA-BBBB-CCCC")).text)


async def test_coordinator_sees_missing_certificates_and_corrects_attendance(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await ended_booking(world)
    await Booking.filter(id=booking.id).update(period_id=world.period_a.id)
    day = world.slot.start_date.isoformat()
    async with browser_for(world.coordinator_a) as c:
        period = await c.get(f"/oversikt/perioder/{world.period_a.id}")
        assert f"/oversikt/perioder/{world.period_a.id}/intyg" in period.text
        listed = await c.get(f"/oversikt/perioder/{world.period_a.id}/intyg")
        assert listed.status_code == 200 and "Alva Andersson" in main_text(listed.text)
        form = f"/oversikt/bokningar/{booking.id}/narvaro"
        assert (await c.get(form)).status_code == 200
        token = await token_of(c, form)
        bad = await c.post(form, data={"csrf_token": token, f"day_{day}": "sjuk"})
        assert bad.status_code == 422 and "Välj närvarande" in main_text(bad.text)
        saved = await c.post(form, data={"csrf_token": token, f"day_{day}": "absent"})
        assert saved.status_code == 303
    row = await AttendanceDay.get(booking_id=booking.id)
    assert row.status == "absent"
    assert await AuditEvent.filter(action="update", object_type="attendance").exists()
    for other in (world.coordinator_b, world.employer_user):
        async with browser_for(other) as c:
            assert (await c.get(f"/oversikt/bokningar/{booking.id}/narvaro")).status_code in (
                403,
                404,
            )


async def test_the_no_show_link_opens_and_refuses_a_day_outside_the_placement(
    world: World, browser_for: ClientFactory
) -> None:
    await ended_booking(world)
    start = world.slot.start_date
    await send_first_day_briefs(datetime.combine(start - timedelta(days=3), time(9), TIMEZONE))
    path = await path_of("first_day_brief_supervisor")
    assert path.startswith("/handledare/inte-kommit/")
    async with browser_for(None) as c:
        page = await c.get(path)
        assert page.status_code == 200 and "Meddela skolan att Alva" in main_text(page.text)
        assert "Andersson" not in page.text
        token = await token_of(c, path)
        early = await c.post(path, data={"csrf_token": token})  # weeks before the start
        assert early.status_code == 422 and "praons arbetsdagar" in main_text(early.text)
    assert not await OutboxMessage.filter(kind="no_show_report").exists()
    assert not await AttendanceDay.exists()


async def test_the_pupil_card_reports_nothing_outside_the_placement(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await ended_booking(world)  # six weeks ahead: no day to report yet
    async with browser_for(world.pupil_a_user) as c:
        card = await c.get(f"/bokningar/{booking.id}/kort")
        assert "Jag är sjuk i dag" not in card.text
        token = await token_of(c, f"/bokningar/{booking.id}/kort")
        refused = await c.post(f"/bokningar/{booking.id}/franvaro", data={"csrf_token": token})
        assert refused.status_code == 422 and "arbetsdagar" in main_text(refused.text)
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt")
        other = await c.post(f"/bokningar/{booking.id}/franvaro", data={"csrf_token": token})
        assert other.status_code == 403
    assert not await AttendanceDay.exists()


async def test_the_pupil_reports_late_with_one_tap_on_her_card(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await ended_booking(world)
    morning = datetime.combine(world.slot.start_date, time(7), TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: morning)  # the first day of the placement
    card_path = f"/bokningar/{booking.id}/kort"
    async with browser_for(world.pupil_a_user) as c:
        card = await c.get(card_path)
        assert "Jag är sjuk i dag" in card.text and "Jag kommer sent i dag" in card.text
        token = await token_of(c, card_path)
        done = await c.post(
            f"/bokningar/{booking.id}/franvaro",
            data={"csrf_token": token, "kind": "late"},
            follow_redirects=True,
        )
        assert "har fått besked att du kommer sent" in main_text(done.text)
    day = await AttendanceDay.get(booking_id=booking.id)
    assert (day.day, day.status) == (world.slot.start_date, "late")
    told = {m.to_address for m in await OutboxMessage.filter(kind="absence_report")}
    assert told == {world.employer.contact_email}  # school A has no contact address here
