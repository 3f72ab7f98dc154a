"""The printable placement card and its calendar file: who sees what."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from icalendar import Calendar

from prao.config import TIMEZONE
from prao.models import AuditEvent, Booking, Pupil, Role, School, Slot
from prao.services.booking import book_slot
from tests import factories
from tests.callers import ClientFactory, main_text
from tests.conftest import csrf_from
from tests.factories import World


async def confirmed_booking(world: World) -> Booking:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.value is not None
    return outcome.value


async def test_pupil_sees_her_card_with_everything_for_the_day(
    world: World, browser_for: ClientFactory
) -> None:
    supervisor = await factories.user(
        Role.EMPLOYER, employer_id=world.employer.id, name="Sara Handledare"
    )
    await Slot.filter(id=world.slot.id).update(supervisor_id=supervisor.id, tasks="Baka bullar")
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    booking = await confirmed_booking(world)
    async with browser_for(world.pupil_a_user) as client:
        page = await client.get(f"/bokningar/{booking.id}/kort")
    assert page.status_code == 200
    text = main_text(page.text)
    for expected in (
        "Praoplatskort",
        "Bekräftad",
        "Alva Andersson, 8A",
        "Skola A",
        "syv@skola-a.se",
        "Café Solen",
        "Sara Handledare",
        supervisor.email,
        "Bagare",
        "Storgatan 1, Varberg",
        "08:00–14:00",
        "Baka bullar",
    ):
        assert expected in text, expected
    assert f'href="/bokningar/{booking.id}/kalender.ics"' in page.text
    assert "style=" not in page.text and "<script>" not in page.text  # CSP: self only


async def test_staff_of_her_school_and_the_employer_see_it(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await confirmed_booking(world)
    async with browser_for(world.coordinator_a) as client:
        staff = await client.get(f"/bokningar/{booking.id}/kort")
    assert staff.status_code == 200 and "Alva Andersson" in main_text(staff.text)
    assert await AuditEvent.filter(action="read", object_type="pupil").exists()
    async with browser_for(world.employer_user) as client:
        employer = await client.get(f"/bokningar/{booking.id}/kort")
    text = main_text(employer.text)
    assert employer.status_code == 200 and "Alva, åk 8" in text and "Skola A" in text
    assert "Andersson" not in text and "8A" not in text


@pytest.mark.parametrize("who", ["pupil_b_user", "coordinator_b", "other_employer_user"])
async def test_anyone_else_is_told_it_does_not_exist(
    world: World, browser_for: ClientFactory, who: str
) -> None:
    booking = await confirmed_booking(world)
    async with browser_for(getattr(world, who)) as client:
        card = await client.get(f"/bokningar/{booking.id}/kort")
        calendar = await client.get(f"/bokningar/{booking.id}/kalender.ics")
    assert card.status_code == 404 and "Alva" not in card.text and "Bagare" not in card.text
    assert calendar.status_code == 404 and "BEGIN:VCALENDAR" not in calendar.text


async def test_signed_out_visitor_is_sent_to_sign_in(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await confirmed_booking(world)
    async with browser_for(None) as client:
        card = await client.get(f"/bokningar/{booking.id}/kort")
        missing = await client.get("/bokningar/999999999/kort")
    assert card.status_code == 303 and card.headers["location"] == "/logga-in"
    assert missing.status_code == 303


async def test_employer_sees_a_protected_pupil_by_first_name_only(
    world: World, browser_for: ClientFactory
) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    booking = await confirmed_booking(world)
    async with browser_for(world.employer_user) as client:
        page = await client.get(f"/bokningar/{booking.id}/kort")
    text = main_text(page.text)
    assert page.status_code == 200 and "Alva" in text
    # The whole page, attributes too, but for the session's random CSRF token, which can
    # hold "8A" as well as any other two characters.
    markup = page.text.replace(csrf_from(page.text), "")
    for hidden in ("Andersson", "Skola A", "8A", "åk 8", "alva@example.se"):
        assert hidden not in markup, hidden


async def test_calendar_file_of_a_confirmed_booking(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await confirmed_booking(world)
    async with browser_for(world.pupil_a_user) as client:
        response = await client.get(f"/bokningar/{booking.id}/kalender.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@prao"
    start = datetime.combine(world.slot.start_date, time(8, 0), TIMEZONE)
    assert event.decoded("DTSTART") == start
    assert str(event["LOCATION"]) == "Storgatan 1, Varberg"
    assert f"http://testserver/bokningar/{booking.id}/kort" in str(event["DESCRIPTION"])


async def test_pending_booking_has_a_card_but_no_calendar_file(
    world: World, browser_for: ClientFactory
) -> None:
    await Slot.filter(id=world.slot.id).update(requires_approval=True)
    booking = await confirmed_booking(world)
    async with browser_for(world.pupil_a_user) as client:
        card = await client.get(f"/bokningar/{booking.id}/kort")
        calendar = await client.get(f"/bokningar/{booking.id}/kalender.ics")
    assert card.status_code == 200 and "Väntar på arbetsplatsens godkännande" in card.text
    assert "kalender.ics" not in card.text
    assert calendar.status_code == 404
