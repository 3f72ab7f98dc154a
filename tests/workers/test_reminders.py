"""The reminder three days before the start: pupil and supervisor, confirmed bookings, once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from arq import create_pool
from arq.connections import RedisSettings

from prao import clock
from prao.config import Settings
from prao.models import Booking, BookingOrigin, BookingStatus, OutboxMessage, Role
from prao.services.reminders import send_placement_reminders
from server.jobs import running_jobs
from tests import factories
from tests.db import column
from tests.factories import World
from tests.workers.burst import run_worker_burst
from tests.workers.conftest import Sink
from workers.reminders import placement_reminders_job


async def booking_starting_in(world: World, days: int, **kw: Any) -> Booking:
    start = clock.today() + timedelta(days=days)
    slot = await factories.slot(
        world.employer, start_date=start, end_date=start + timedelta(days=4), **kw
    )
    return await Booking.create(
        pupil_id=world.pupil_a.id,
        slot_id=slot.id,
        period_id=world.period_a.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )


async def test_reminded_three_days_before_not_four_and_only_once(world: World) -> None:
    booking = await booking_starting_in(world, 4)
    assert await send_placement_reminders(clock.now()) == []
    assert await OutboxMessage.all().count() == 0
    ids = await send_placement_reminders(clock.now() + timedelta(days=1))
    messages = await OutboxMessage.filter(id__in=ids).order_by("to_address")
    assert world.employer.contact_email is not None
    assert [m.to_address for m in messages] == sorted(
        ["alva.user@example.se", "alva@example.se", world.employer.contact_email]
    )
    assert all(m.kind == "placement_reminder" and m.booking_id == booking.id for m in messages)
    assert all(m.attachment_name == "praoplats.ics" for m in messages)
    pupil = next(m for m in messages if m.to_address == "alva@example.se")
    assert "Hej Alva!" in pupil.body and f"/bokningar/{booking.id}/kort" in pupil.body
    await booking.refresh_from_db()
    assert booking.reminder_sent_at is not None
    assert await send_placement_reminders(clock.now() + timedelta(days=1)) == []
    assert await send_placement_reminders(clock.now() + timedelta(days=2)) == []
    assert await OutboxMessage.all().count() == 3


async def test_supervisor_gets_it_instead_of_the_employer_contact(world: World) -> None:
    supervisor = await factories.user(
        Role.EMPLOYER, employer_id=world.employer.id, name="Sara Handledare"
    )
    booking = await booking_starting_in(world, 3, supervisor_id=supervisor.id)
    await send_placement_reminders(clock.now())
    addresses = await column(OutboxMessage.filter(booking_id=booking.id), "to_address")
    assert supervisor.email in addresses
    assert world.employer.contact_email not in addresses
    to_supervisor = await OutboxMessage.get(to_address=supervisor.email)
    assert to_supervisor.body.startswith("Hej Sara Handledare!")
    assert "Alva (Skola A, åk 8)" in to_supervisor.body and "Andersson" not in to_supervisor.body


async def test_no_reminder_for_pending_cancelled_or_started_placements(world: World) -> None:
    pending = await booking_starting_in(world, 3)
    await Booking.filter(id=pending.id).update(status=BookingStatus.PENDING)
    assert await send_placement_reminders(clock.now()) == []
    await Booking.filter(id=pending.id).update(status=BookingStatus.CANCELLED)
    assert await send_placement_reminders(clock.now()) == []
    started = await booking_starting_in(world, 0)
    assert await send_placement_reminders(clock.now()) == []
    assert (await Booking.get(id=started.id)).reminder_sent_at is None
    assert await OutboxMessage.all().count() == 0


async def test_reminder_cron_job_sends_through_the_worker(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    await booking_starting_in(world, 2)
    async with running_jobs(configured):
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            # Two days before the start the first-day brief is due, and takes the reminder's
            # place: the pupil's two addresses, her guardian, and the workplace.
            assert await placement_reminders_job({"settings": configured, "redis": pool}) == 4
            await run_worker_burst(redis_url, configured)
            assert await placement_reminders_job({"settings": configured, "redis": pool}) == 0
        finally:
            await pool.aclose()
    assert len(sink.messages) == 4
    subjects = sorted(m["Subject"].split(" börjar")[0] for m in sink.messages)
    assert subjects == ["Praon", "Så", "Så", "Så"]
