"""Faults between the outbox and the mailbox: mail is delayed, never lost, never doubled."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix
from arq.worker import Worker, func

from prao import clock
from prao.config import Settings
from prao.jobs import jobs
from prao.models import OutboxEvent, OutboxMessage, OutboxStatus
from prao.services import delivery
from prao.services.booking import book_slot
from prao.services.delivery import STALE_CLAIM, backoff, sweep_outbox
from server.app import create_app
from server.jobs import running_jobs
from tests.conftest import sign_in
from tests.db import column
from tests.factories import World
from tests.workers.burst import run_worker_burst
from tests.workers.conftest import Sink, free_port
from workers.arq_jobs import DELIVER_MESSAGES, delivery_job_id, enqueue_deliveries
from workers.delivery import deliver_messages_job, sweep_outbox_job
from workers.events import sweep_events_job
from workers.settings import CRON_JOBS, FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def configured(
    settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> AsyncIterator[Settings]:
    with_mail = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp[0])
    async with running_jobs(with_mail):
        yield with_mail


@pytest.fixture
async def pool(redis_url: str) -> AsyncIterator[ArqRedis]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    yield redis
    await redis.aclose()


async def one_message(address: str = "alva@example.se") -> OutboxMessage:
    return await OutboxMessage.create(
        kind="test", to_address=address, subject="Prov", body="Hej!\n\nEtt prov."
    )


async def test_refused_twice_then_accepted_is_delivered_once(
    db: None, configured: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    _, sink = smtp
    sink.data_replies = ["451 4.3.0 Try again later"] * 2
    message = await one_message()
    await jobs.deliver([message.id])
    worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_retried == 2 and worker.jobs_complete == 1
    assert sink.data_attempts == 3
    assert sink.by_message_id() == {f"<outbox-{message.id}@prao>": 1}
    await message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 3
    assert message.last_error.startswith("451")


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == 3600


async def test_after_arqs_last_try_the_message_waits_for_the_sweep(
    db: None, configured: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    _, sink = smtp
    sink.data_replies = ["421 4.7.0 Busy"] * 20  # more refusals than arq's tries
    message = await one_message()
    await jobs.deliver([message.id])
    worker = await run_worker_burst(redis_url, configured)
    await message.refresh_from_db()
    # arq gave up after its tries; the message waits, pending, for the sweep.
    assert worker.jobs_retried == 5 and worker.jobs_failed == 1 and not sink.messages
    assert message.status == OutboxStatus.PENDING and message.attempts == 5
    assert message.next_attempt_at is not None and message.last_error.startswith("421")
    # The server recovers; a minute after the retry time the sweep enqueues it afresh.
    sink.data_replies.clear()
    assert await sweep_outbox(message.next_attempt_at + timedelta(seconds=30)) == []
    later = message.next_attempt_at + timedelta(minutes=2)
    ids = await sweep_outbox(later)
    assert ids == [message.id]
    await jobs.deliver(ids)
    await run_worker_burst(redis_url, configured)
    assert sink.by_message_id() == {f"<outbox-{message.id}@prao>": 1}


async def test_redis_flushed_after_enqueue_the_sweep_delivers(
    world: World,
    configured: Settings,
    redis_url: str,
    pool: ArqRedis,
    smtp: tuple[str, Sink],
) -> None:
    _, sink = smtp
    assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
    # The booking's event waits for its expansion job; no message is written yet.
    assert await OutboxEvent.all().count() == 1 and len(await pool.queued_jobs()) == 1
    await pool.flushdb()
    lost = await run_worker_burst(redis_url, configured)
    assert lost.jobs_complete == 0 and not sink.messages
    ctx: dict[str, Any] = {"settings": configured, "redis": pool}
    assert await sweep_events_job(ctx) == 0  # under a minute old: not yet the sweep's
    await OutboxEvent.all().update(created_at=clock.now() - timedelta(minutes=2))
    assert await sweep_events_job(ctx) == 2  # expanded, and its two messages enqueued
    ids = sorted(await column(OutboxMessage.all(), "id"))
    assert len(ids) == 2 and len(await pool.queued_jobs()) == 1  # one batch
    # The delivery jobs are lost too: the outbox sweep enqueues the messages afresh.
    await pool.flushdb()
    assert await sweep_outbox_job(ctx) == 0  # under a minute old: not yet the sweep's
    await OutboxMessage.all().update(created_at=clock.now() - timedelta(minutes=2))
    assert await sweep_outbox_job(ctx) == 2
    worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_complete == 1
    assert sink.by_message_id() == {f"<outbox-{i}@prao>": 1 for i in ids}
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 2
    # Sent is sent: a later sweep finds nothing and a stray job sends nothing.
    assert await sweep_outbox(clock.now() + timedelta(hours=1)) == []
    await enqueue_deliveries(pool, ids)
    await run_worker_burst(redis_url, configured)
    assert len(sink.messages) == 2


async def test_sweep_frees_only_stale_claims(db: None) -> None:
    fresh, stale, unaddressed = await one_message(), await one_message(), await one_message()
    now = clock.now()
    await OutboxMessage.filter(id=fresh.id).update(
        status=OutboxStatus.SENDING, claimed_at=now - STALE_CLAIM + timedelta(seconds=5)
    )
    await OutboxMessage.filter(id=stale.id).update(
        status=OutboxStatus.SENDING, claimed_at=now - STALE_CLAIM - timedelta(seconds=5)
    )
    await OutboxMessage.filter(id=unaddressed.id).update(to_address=None)
    # Freed at once, however young the message; the fresh claim's message is not yet due.
    assert await sweep_outbox(now) == [stale.id]
    assert (await OutboxMessage.get(id=fresh.id)).status == OutboxStatus.SENDING
    assert (await OutboxMessage.get(id=stale.id)).status == OutboxStatus.PENDING


async def test_refused_address_is_failed_and_shown_to_the_coordinator(
    world: World,
    configured: Settings,
    redis_url: str,
    smtp: tuple[str, Sink],
) -> None:
    _, sink = smtp
    sink.refused = {"alva@example.se"}
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok
    worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_retried == 0
    failed = await OutboxMessage.get(to_address="alva@example.se")
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "550 5.1.1 No such user"
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 3
    assert len(sink.messages) == 3
    # Not retried by the sweep either.
    assert await sweep_outbox(clock.now() + timedelta(hours=1)) == []
    app = create_app(configured, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sign_in(client, world.coordinator_a, configured)
        page = (await client.get("/oversikt")).text
    assert "E-postadressen fungerar inte" in page
    assert "Alva Andersson: alva@example.se" in page and "550 5.1.1 No such user" in page
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sign_in(client, world.coordinator_b, configured)
        other = (await client.get("/oversikt")).text
    assert "E-postadressen fungerar inte" not in other and "alva@example.se" not in other


class HoldingSink(Sink):
    """Holds the first DATA until released (by then the sender is dead), accepting nothing;
    with `accept`, accepts it when released."""

    def __init__(self, accept: bool = False) -> None:
        super().__init__()
        self.data_started = threading.Event()
        self.release = threading.Event()
        self.accept = accept

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.data_started.is_set():
            self.data_started.set()
            await asyncio.to_thread(self.release.wait)
            if not self.accept:
                return "421 4.4.2 Connection dropped"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def holding_smtp(request: pytest.FixtureRequest) -> Iterator[tuple[str, HoldingSink]]:
    sink = HoldingSink(accept=getattr(request, "param", False))
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    sink.release.set()
    controller.stop()


def start_worker(
    settings: Settings, redis_url: str, smtp_url: str, var: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": smtp_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PRAO_VAR_DIR": str(var),
        "OUTBOX_RETRY_SECONDS": "0.05",
    }
    env.pop("DEMO", None)
    return subprocess.Popen(
        [sys.executable, "-m", "server", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def wait_for(condition: Any, seconds: float = 30) -> bool:
    for _ in range(int(seconds / 0.1)):
        if await condition():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_worker_killed_mid_send_delivers_once_after_restart(
    db: None,
    settings: Settings,
    redis_url: str,
    pool: ArqRedis,
    holding_smtp: tuple[str, HoldingSink],
    tmp_path: Path,
) -> None:
    smtp_url, sink = holding_smtp
    message = await one_message()
    await enqueue_deliveries(pool, [message.id])
    first = start_worker(settings, redis_url, smtp_url, tmp_path)
    try:
        assert await asyncio.to_thread(sink.data_started.wait, 60), "worker never sent"
        await message.refresh_from_db()
        assert message.status == OutboxStatus.SENDING
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    sink.release.set()
    assert not sink.messages
    # Time passes: arq's in-progress mark of the dead worker expires (the longest job timeout
    # + 10 s) and the claim grows stale (STALE_CLAIM); we age them instead of waiting (the
    # test below waits, in real time, for the claim alone).
    await pool.delete(f"{in_progress_key_prefix}{delivery_job_id([message.id])}")
    await OutboxMessage.filter(id=message.id).update(claimed_at=clock.now() - timedelta(minutes=6))
    second = start_worker(settings, redis_url, smtp_url, tmp_path)
    try:

        async def sent() -> bool:
            return (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT

        delivered = await wait_for(sent)
        await asyncio.sleep(0.5)  # a duplicate, were there one, would arrive now
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=20)
    assert delivered, errors.decode()[-3000:]
    assert sink.by_message_id() == {f"<outbox-{message.id}@prao>": 1}
    await message.refresh_from_db()
    assert message.attempts == 2, errors.decode()[-2000:]


async def test_a_4xx_defers_only_its_message_and_the_batch_goes_on(
    db: None, configured: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    _, sink = smtp
    sink.data_replies = ["451 4.3.0 Try again later"]  # to the batch's first message
    messages = [await one_message(f"elev{i}@example.se") for i in range(3)]
    await jobs.deliver([m.id for m in messages])
    worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_retried == 1 and worker.jobs_complete == 1
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in messages}
    after = {m.id: await OutboxMessage.get(id=m.id) for m in messages}
    assert [after[m.id].attempts for m in messages] == [2, 1, 1]
    assert all(m.status == OutboxStatus.SENT for m in after.values())
    assert after[messages[0].id].last_error.startswith("451")


@dataclass
class DroppingSink(Sink):
    """Loses the connection, once, at the DATA of a message to one of `drop`."""

    drop: set[str] = field(default_factory=set)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.drop & set(envelope.rcpt_tos):
            self.drop -= set(envelope.rcpt_tos)
            self.data_attempts += 1
            server.transport.close()
            return "421 4.4.2 Connection dropped"  # never reaches the sender
        return await super().handle_DATA(server, session, envelope)


async def test_a_dropped_connection_retries_its_message_and_the_batch_reconnects(
    db: None, settings: Settings, redis_url: str
) -> None:
    sink = DroppingSink(drop={"elev1@example.se"})
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        configured = dataclasses.replace(
            settings, redis_url=redis_url, smtp_url=f"smtp://127.0.0.1:{port}"
        )
        async with running_jobs(configured):
            messages = [await one_message(f"elev{i}@example.se") for i in range(3)]
            await jobs.deliver([m.id for m in messages])
            worker = await run_worker_burst(redis_url, configured)
    finally:
        controller.stop()
    assert worker.jobs_retried == 1 and worker.jobs_complete == 1
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in messages}
    attempts = [(await OutboxMessage.get(id=m.id)).attempts for m in messages]
    assert attempts == [1, 2, 1]  # the one after the drop went out over a new connection


@dataclass
class SlowSink(Sink):
    """Takes `hold` seconds over the first message before accepting it."""

    hold: float = 0.0
    held: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.held:
            self.held = True
            await asyncio.sleep(self.hold)
        return await super().handle_DATA(server, session, envelope)


async def test_a_slow_send_renews_its_claim_and_the_sweep_leaves_it_alone(
    db: None, settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The claim's lengths shortened, so that the send outlasts several of them.
    monkeypatch.setattr(delivery, "STALE_CLAIM", timedelta(seconds=1))
    monkeypatch.setattr(delivery, "RENEW_SECONDS", 0.2)
    sink = SlowSink(hold=3.0)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        configured = dataclasses.replace(
            settings, redis_url=redis_url, smtp_url=f"smtp://127.0.0.1:{port}"
        )
        async with running_jobs(configured):
            message = await one_message()
            await jobs.deliver([message.id])
            worker = asyncio.create_task(run_worker_burst(redis_url, configured))
            swept: list[int] = []
            claims: set[Any] = set()
            while not worker.done():
                swept += await sweep_outbox(clock.now())
                row = await OutboxMessage.get(id=message.id)
                if row.status == OutboxStatus.SENDING:
                    claims.add(row.claimed_at)
                await asyncio.sleep(0.1)
            await worker
    finally:
        controller.stop()
    assert swept == []
    assert len(claims) > 3  # renewed while it sent, not claimed once for three seconds
    assert sink.by_message_id() == {f"<outbox-{message.id}@prao>": 1}
    await message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1


def test_a_dead_workers_claim_is_pending_again_within_a_minute() -> None:
    sweeps = sorted(next(c for c in CRON_JOBS if c.name == "sweep_outbox").second)  # type: ignore[arg-type]
    longest_gap = max(b - a for a, b in zip(sweeps, [*sweeps[1:], sweeps[0] + 60], strict=True))
    assert STALE_CLAIM.total_seconds() + longest_gap < 60


async def test_a_killed_workers_batch_is_sent_by_another_within_a_minute(
    db: None,
    settings: Settings,
    redis_url: str,
    pool: ArqRedis,
    holding_smtp: tuple[str, HoldingSink],
    tmp_path: Path,
) -> None:
    """In real time, nothing aged or deleted: the claim goes stale, the other worker's sweep
    frees it and enqueues it afresh (the dead worker's job itself waits in arq for an hour)."""
    smtp_url, sink = holding_smtp
    messages = [await one_message(f"elev{i}@example.se") for i in range(3)]
    await enqueue_deliveries(pool, [m.id for m in messages])
    first = start_worker(settings, redis_url, smtp_url, tmp_path)
    try:
        assert await asyncio.to_thread(sink.data_started.wait, 60), "worker never sent"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed = asyncio.get_running_loop().time()
    sink.release.set()
    assert not sink.messages
    second = start_worker(settings, redis_url, smtp_url, tmp_path)
    try:

        async def all_sent() -> bool:
            sent = OutboxMessage.filter(status=OutboxStatus.SENT)
            return await sent.count() == len(messages)

        delivered = await wait_for(all_sent, 60)
        took = asyncio.get_running_loop().time() - killed
        await asyncio.sleep(0.5)  # a duplicate, were there one, would arrive now
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=20)
    assert delivered and took < 60, errors.decode()[-3000:]
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in messages}
    # The first was on the wire when its worker died; the others were claimed, not tried.
    attempts = [(await OutboxMessage.get(id=m.id)).attempts for m in messages]
    assert attempts == [2, 2, 2]


@pytest.mark.parametrize("holding_smtp", [True], indirect=True)
async def test_a_worker_stopped_mid_batch_ends_the_batch_and_records_it_first(
    db: None,
    settings: Settings,
    redis_url: str,
    pool: ArqRedis,
    holding_smtp: tuple[str, HoldingSink],
    tmp_path: Path,
) -> None:
    smtp_url, sink = holding_smtp
    messages = [await one_message(f"elev{i}@example.se") for i in range(3)]
    await enqueue_deliveries(pool, [m.id for m in messages])
    first = start_worker(settings, redis_url, smtp_url, tmp_path)
    try:
        assert await asyncio.to_thread(sink.data_started.wait, 60), "worker never sent"
        first.send_signal(signal.SIGTERM)  # a deploy: stop while the first is on the wire
        await asyncio.sleep(0.5)
        sink.release.set()
        _, errors = await asyncio.to_thread(first.communicate, timeout=30)
    finally:
        first.kill()
    after = [await OutboxMessage.get(id=m.id) for m in messages]
    assert [(m.status, m.attempts) for m in after] == [(OutboxStatus.SENT, 1)] * 3, errors.decode()[
        -3000:
    ]
    assert all(m.claimed_at is None for m in after)
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in messages}
    assert first.returncode == 0, errors.decode()[-3000:]


async def test_a_batch_claims_only_what_is_pending_and_addressed(db: None) -> None:
    pending, sent, unaddressed, claimed = [await one_message() for _ in range(4)]
    await OutboxMessage.filter(id=sent.id).update(status=OutboxStatus.SENT)
    await OutboxMessage.filter(id=unaddressed.id).update(to_address=None)
    await OutboxMessage.filter(id=claimed.id).update(status=OutboxStatus.SENDING)
    ids = [claimed.id, unaddressed.id, sent.id, pending.id, pending.id]
    batch = await delivery.claim_batch(ids, clock.now())
    assert [(m.id, m.to_address, m.body, m.attempts) for m in batch] == [
        (pending.id, "alva@example.se", "Hej!\n\nEtt prov.", 1)
    ]
    assert await delivery.claim_batch(ids, clock.now()) == []  # claimed once
    row = await OutboxMessage.get(id=pending.id)
    assert row.status == OutboxStatus.SENDING and row.claimed_at is not None


async def test_a_server_that_is_down_defers_the_whole_batch_after_one_try(db: None) -> None:
    messages = [await one_message(f"elev{i}@example.se") for i in range(3)]
    result = await delivery.deliver_batch(
        [m.id for m in messages], f"smtp://127.0.0.1:{free_port()}"
    )
    assert (result.sent, result.failed, result.deferred) == (0, 0, 3)
    assert result.retry_in == backoff(1)
    for message in messages:
        await message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert message.claimed_at is None and message.next_attempt_at is not None
        assert message.last_error.startswith("ConnectionRefusedError")


async def test_a_claim_leaves_a_deferred_message_until_its_retry_time(
    db: None, smtp: tuple[str, Sink]
) -> None:
    url, sink = smtp
    rows = [await one_message(f"elev{i}@example.se") for i in range(3)]
    ids = [m.id for m in rows]
    later = clock.now() + timedelta(minutes=5)
    await OutboxMessage.filter(id=rows[1].id).update(
        next_attempt_at=later, attempts=1, last_error="451 4.3.0 Try again later"
    )
    result = await delivery.deliver_batch(ids, url)
    assert (result.sent, result.skipped) == (2, 1)
    assert sink.by_message_id() == {f"<outbox-{rows[i].id}@prao>": 1 for i in (0, 2)}
    waiting = await OutboxMessage.get(id=rows[1].id)
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        later,
    )
    # Its time come, the same batch sends it, and only it.
    await OutboxMessage.filter(id=rows[1].id).update(next_attempt_at=clock.now())
    result = await delivery.deliver_batch(ids, url)
    assert (result.sent, result.skipped) == (1, 2)
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in rows}


async def test_a_retried_batch_does_not_send_a_message_before_its_backoff_ends(
    db: None, configured: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    """The batch is retried within milliseconds for its first message's 4xx; its second was
    deferred for longer (an earlier 4xx) and must wait its own time, for the sweep."""
    _, sink = smtp
    sink.data_replies = ["451 4.3.0 Try again later"]
    first, second = await one_message("elev0@example.se"), await one_message("elev1@example.se")
    later = clock.now() + timedelta(minutes=5)
    await OutboxMessage.filter(id=second.id).update(next_attempt_at=later, attempts=3)
    await jobs.deliver([first.id, second.id])
    worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_retried == 1 and worker.jobs_complete == 1
    assert sink.by_message_id() == {f"<outbox-{first.id}@prao>": 1}
    await second.refresh_from_db()
    assert second.status == OutboxStatus.PENDING and second.attempts == 3
    assert second.next_attempt_at == later
    # The sweep enqueues it a minute after its time.
    assert await sweep_outbox(later + timedelta(minutes=2)) == [second.id]


@dataclass
class HoldingOneSink(Sink):
    """Takes `hold` seconds over the content of the message to `slow` before accepting it."""

    slow: str = ""
    hold: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.slow in envelope.rcpt_tos:
            await asyncio.sleep(self.hold)
        return await super().handle_DATA(server, session, envelope)


async def test_a_batch_cut_short_by_its_jobs_timeout_records_what_went_out_and_frees_the_rest(
    db: None, settings: Settings, redis_url: str, pool: ArqRedis
) -> None:
    sink = HoldingOneSink(slow="elev1@example.se", hold=2.0)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    configured = dataclasses.replace(
        settings, redis_url=redis_url, smtp_url=f"smtp://127.0.0.1:{port}"
    )
    messages = [await one_message(f"elev{i}@example.se") for i in range(6)]
    try:
        await enqueue_deliveries(pool, [m.id for m in messages])
        # The delivery job as the workers run it, but with a second for its timeout.
        hasty = [
            func(deliver_messages_job, name=DELIVER_MESSAGES, keep_result=0, timeout=1),
            *[f for f in FUNCTIONS if f.name != DELIVER_MESSAGES],
        ]
        worker = Worker(
            functions=hasty,
            redis_settings=RedisSettings.from_dsn(redis_url),
            burst=True,
            ctx={"settings": configured, "retry_base_seconds": 0.05},
            poll_delay=0.05,
            handle_signals=False,
        )
        await worker.main()
        await worker.close()
        assert worker.jobs_failed == 1 and worker.jobs_complete == 0  # timed out
        after = [await OutboxMessage.get(id=m.id) for m in messages]
        seen = sink.by_message_id()
        # The first went out before the cut, the second was on the wire then: both are marked.
        # Whatever the batch had not sent is pending again, unclaimed, its attempt given back.
        assert [m.status for m in after[:2]] == [OutboxStatus.SENT] * 2
        assert after[-1].status == OutboxStatus.PENDING
        for row in after:
            key = f"<outbox-{row.id}@prao>"
            if row.status == OutboxStatus.SENT:
                assert seen.get(key) == 1 and row.attempts == 1
            else:
                assert row.status == OutboxStatus.PENDING and key not in seen
                assert row.claimed_at is None and row.attempts == 0
        # The sweep sends the rest later, each once; the sent are not sent again.
        ids = await sweep_outbox(clock.now() + timedelta(minutes=2))
        assert ids == [m.id for m in after if m.status == OutboxStatus.PENDING]
        await enqueue_deliveries(pool, [m.id for m in messages], tag="@sweep")
        await run_worker_burst(redis_url, configured)
    finally:
        controller.stop()
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in messages}
    final = [await OutboxMessage.get(id=m.id) for m in messages]
    assert [(m.status, m.attempts) for m in final] == [(OutboxStatus.SENT, 1)] * 6


class HoldingOneOfManySink(Sink):
    """Holds the content of the message to `held` until released, then refuses it (by then
    its sender is dead); accepts the others."""

    def __init__(self, held: str) -> None:
        super().__init__()
        self.held = held
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.held in envelope.rcpt_tos and not self.holding.is_set():
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
            return "421 4.4.2 Connection dropped"
        return await super().handle_DATA(server, session, envelope)


async def test_a_worker_killed_mid_batch_sends_none_of_the_accepted_ones_again(
    db: None, settings: Settings, redis_url: str, pool: ArqRedis, tmp_path: Path
) -> None:
    """The marks go in while the batch goes on: a worker killed with its fourth message on the
    wire had its first three marked, and only the rest of its batch goes out again."""
    sink = HoldingOneOfManySink(held="elev3@example.se")
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{port}"
    messages = [await one_message(f"elev{i}@example.se") for i in range(6)]
    ids = [m.id for m in messages]
    try:
        await enqueue_deliveries(pool, ids)
        first = start_worker(settings, redis_url, smtp_url, tmp_path)
        try:
            assert await asyncio.to_thread(sink.holding.wait, 60), "worker never sent"
            await asyncio.sleep(0.5)  # time for the marks of the three before it
            during = [(await OutboxMessage.get(id=i)).status for i in ids]
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        sink.release.set()
        assert during == [OutboxStatus.SENT] * 3 + [OutboxStatus.SENDING] * 3
        # Aged instead of waited for, as above: arq's mark of the dead job and the claims.
        await pool.delete(f"{in_progress_key_prefix}{delivery_job_id(ids)}")
        await OutboxMessage.filter(status=OutboxStatus.SENDING).update(
            claimed_at=clock.now() - timedelta(minutes=6)
        )
        second = start_worker(settings, redis_url, smtp_url, tmp_path)
        try:

            async def all_sent() -> bool:
                return await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 6

            delivered = await wait_for(all_sent)
            await asyncio.sleep(0.5)  # a duplicate, were there one, would arrive now
        finally:
            second.send_signal(signal.SIGTERM)
            _, errors = second.communicate(timeout=20)
    finally:
        sink.release.set()
        controller.stop()
    assert delivered, errors.decode()[-3000:]
    assert sink.by_message_id() == {f"<outbox-{i}@prao>": 1 for i in ids}
    attempts = [(await OutboxMessage.get(id=i)).attempts for i in ids]
    assert attempts == [1, 1, 1, 2, 2, 2]
