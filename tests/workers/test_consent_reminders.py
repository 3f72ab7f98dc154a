"""The guardians' consent reminder, through the arq cron job and the in-process runner: once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from arq import create_pool
from arq.connections import RedisSettings

from prao.config import Settings
from prao.models import ConsentMode, GuardianConsent, Organiser, OutboxMessage
from prao.services.booking import book_slot
from server.jobs import running_jobs
from tests.factories import World
from tests.workers.burst import run_worker_burst
from tests.workers.conftest import Sink
from workers.consent_reminders import consent_reminders_job
from workers.in_process import InProcessJobs


async def asked_four_days_ago(world: World) -> None:
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    consent = await GuardianConsent.get(booking_id=booked.value.id)
    assert consent.requested_at is not None
    await GuardianConsent.filter(id=consent.id).update(
        requested_at=consent.requested_at - timedelta(days=4)
    )


async def test_the_cron_job_reminds_once_through_the_worker(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    await asked_four_days_ago(world)
    async with running_jobs(configured):
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            assert await consent_reminders_job({"settings": configured, "redis": pool}) == 1
            await run_worker_burst(redis_url, configured)
            assert await consent_reminders_job({"settings": configured, "redis": pool}) == 0
        finally:
            await pool.aclose()
    reminders = [m for m in sink.messages if m["Subject"].startswith("Påminnelse: godkänn")]
    assert len(reminders) == 1 and reminders[0]["To"] == "vh.alva@example.se"


async def test_the_in_process_runner_reminds_once(world: World) -> None:
    await asked_four_days_ago(world)
    runner = InProcessJobs()
    await runner.before_the_start()
    await runner.before_the_start()
    assert await OutboxMessage.filter(kind="consent_reminder").count() == 1
    await InProcessJobs().before_the_start()  # another process's: still once
    assert await OutboxMessage.filter(kind="consent_reminder").count() == 1
