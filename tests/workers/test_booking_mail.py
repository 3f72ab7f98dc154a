"""A booking made on the web reaches every recipient exactly once, with the calendar and card."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, time
from email.message import Message

import httpx
import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from prao.config import TIMEZONE, Settings
from prao.models import Booking, OutboxMessage, OutboxStatus, Pupil
from prao.services.booking import book_slot
from server.app import create_app
from server.jobs import running_jobs
from tests.conftest import csrf_from, sign_in
from tests.factories import World
from tests.workers.burst import run_worker_burst
from tests.workers.conftest import Sink


@pytest.fixture
async def mail_settings(
    settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> AsyncIterator[Settings]:
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp[0])
    async with running_jobs(configured):
        yield configured


def calendar_of(message: Message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "praoplats.ics"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload)


def text_of(message: Message) -> str:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def test_web_booking_mails_each_recipient_once_with_ics_and_card_link(
    world: World, mail_settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    _, sink = smtp
    app = create_app(mail_settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sign_in(client, world.pupil_a_user, mail_settings)
        page = await client.get(f"/platser/{world.slot.id}")
        booked = await client.post(
            f"/platser/{world.slot.id}/boka", data={"csrf_token": csrf_from(page.text)}
        )
        assert booked.status_code == 303, booked.text
        assert not sink.messages  # queued in Redis, not sent by the web process
        worker = await run_worker_burst(redis_url, mail_settings)
        booking = await Booking.get(pupil_id=world.pupil_a.id)
        card_url = f"http://testserver/bokningar/{booking.id}/kort"
        card = await client.get(card_url)
    # The booking's event expanded, then its four messages sent in one batch.
    assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    employer = world.employer.contact_email
    assert employer is not None
    by_address = {str(m["To"]): m for m in sink.messages}
    assert len(sink.messages) == 4
    assert sorted(by_address) == sorted(
        ["alva.user@example.se", "alva@example.se", "vh.alva@example.se", employer]
    )
    messages = await OutboxMessage.filter(booking_id=booking.id)
    assert {m.status for m in messages} == {OutboxStatus.SENT}
    assert sorted(str(m["Message-ID"]) for m in sink.messages) == sorted(
        f"<outbox-{m.id}@prao>" for m in messages
    )
    slot = world.slot
    for message in sink.messages:
        calendar = calendar_of(message)
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"booking-{booking.id}@prao"
        assert str(event["LOCATION"]) == "Storgatan 1, Varberg"
        assert "Bagare" in str(event["SUMMARY"])
        start = event.decoded("DTSTART")
        assert start == datetime.combine(slot.start_date, time(8, 0), TIMEZONE)
        assert event.decoded("DTEND") == datetime.combine(slot.start_date, time(14, 0), TIMEZONE)
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
        rule = event["RRULE"].to_ical()
        assert isinstance(rule, bytes)
        days = list(rrulestr(rule.decode(), dtstart=start))
        # Two working weeks, Monday to Friday, every day 08:00–14:00 Swedish time.
        assert len(days) == 10
        assert days[0].date() == slot.start_date and days[-1].date() == slot.end_date
        assert all(d.weekday() < 5 and d.time() == time(8, 0) for d in days)
    pupil_text = text_of(by_address["alva@example.se"])
    assert "Hej Alva!" in pupil_text and card_url in pupil_text
    employer_text = text_of(by_address[employer])
    assert card_url in employer_text and "Alva (Skola A, åk 8)" in employer_text
    assert "Andersson" not in employer_text
    guardian_text = text_of(by_address["vh.alva@example.se"])
    assert "Alva Andersson har bokat" in guardian_text
    assert card.status_code == 200 and "Bagare" in card.text


async def test_employer_mail_names_a_protected_pupil_by_first_name_only(world: World) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.ok
    message = await OutboxMessage.get(to_address=world.employer.contact_email)
    assert "Alva" in message.body
    for hidden in ("Andersson", "Skola A", "8A", "åk"):
        assert hidden not in message.body
    guardian = await OutboxMessage.get(to_address="vh.alva@example.se")
    assert "Alva Andersson" in guardian.body


async def test_pending_request_has_no_calendar_and_tells_the_employer_to_decide(
    world: World,
) -> None:
    world.slot.requires_approval = True
    await world.slot.save()
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok
    messages = await OutboxMessage.all()
    assert messages and all(m.attachment is None for m in messages)
    assert all("/kort" not in m.body for m in messages)
    employer = next(m for m in messages if m.to_address == world.employer.contact_email)
    assert "godkänn" in employer.body
    pupil = next(m for m in messages if m.to_address == "alva@example.se")
    assert "förfrågan" in pupil.body
