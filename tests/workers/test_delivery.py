"""Booking → outbox → arq on Redis → SMTP, and the same in-process without Redis."""

from __future__ import annotations

import dataclasses

from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker

from prao.config import Settings
from prao.jobs import jobs
from prao.models import OutboxMessage, OutboxStatus
from prao.services.booking import book_slot
from tests.factories import World
from tests.workers.conftest import Sink
from workers.settings import FUNCTIONS


async def run_worker_burst(redis_url: str, settings: Settings) -> Worker:
    worker = Worker(
        functions=FUNCTIONS,
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        ctx={"settings": settings},
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    return worker


async def test_booking_mail_goes_through_arq_and_smtp(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    await jobs.start(configured)
    try:
        outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
        assert outcome.ok
        # enqueued, not yet sent: the worker has not run
        assert not sink.messages
        assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 3
        worker = await run_worker_burst(redis_url, configured)
    finally:
        await jobs.stop()
    assert worker.jobs_complete == 3
    assert sorted(m["To"] for m in sink.messages) == [
        "alva.user@example.se",
        "alva@example.se",
        "vh.alva@example.se",
    ]
    assert all("Bagare" in m["Subject"] for m in sink.messages)
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 3


async def test_the_same_message_is_not_queued_twice(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    await jobs.start(configured)
    try:
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        ids = await OutboxMessage.all().values_list("id", flat=True)
        await jobs.deliver(list(ids))  # a second enqueue of the same ids (e.g. a retry)
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        assert len(await pool.queued_jobs()) == len(ids)
        await pool.aclose()
        await run_worker_burst(redis_url, configured)
    finally:
        await jobs.stop()
    assert len(sink.messages) == len(ids)


async def test_without_redis_the_same_job_runs_in_process(
    world: World, settings: Settings, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    await jobs.start(dataclasses.replace(settings, smtp_url=smtp_url))
    try:
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        await jobs.drain()
    finally:
        await jobs.stop()
    assert len(sink.messages) == 1
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 1


async def test_without_smtp_messages_stay_in_the_outbox(world: World, settings: Settings) -> None:
    await jobs.start(settings)
    try:
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        await jobs.drain()
    finally:
        await jobs.stop()
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 1
