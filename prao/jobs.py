"""The jobs interface: arq on Redis when REDIS_URL is set, else the same functions in-process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from prao import clock
from prao.config import Settings
from prao.services.delivery import DeliveryDeferred, deliver_message, sweep_outbox

log = logging.getLogger(__name__)

DELIVER_MESSAGE = "deliver_message"
RUN_ALLOCATION = "run_allocation"
SWEEP_INTERVAL_SECONDS = 60.0


async def enqueue_deliveries(pool: Any, message_ids: list[int]) -> None:
    """Keyed by message id: arq will not queue a message that is queued or running already."""
    from arq.constants import job_key_prefix, result_key_prefix

    for message_id in message_ids:
        job_id = f"{DELIVER_MESSAGE}:{message_id}"
        if await pool.enqueue_job(DELIVER_MESSAGE, message_id, _job_id=job_id) is not None:
            continue
        # Refused because arq still keeps the result of a finished job (it gave up after its
        # tries): the database says the message waits, so queue it afresh.
        if not await pool.exists(job_key_prefix + job_id):
            await pool.delete(result_key_prefix + job_id)
            await pool.enqueue_job(DELIVER_MESSAGE, message_id, _job_id=job_id)


async def deliver_in_process(message_id: int, smtp_url: str | None) -> None:
    try:
        await deliver_message(message_id, smtp_url)
    except DeliveryDeferred as deferred:  # pending again: the periodic sweep retries it
        log.info("message %s deferred %.0fs: %s", message_id, deferred.seconds, deferred)


class Jobs:
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._pool: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, settings: Settings) -> None:
        self.settings = settings
        if settings.redis_url:
            from arq import create_pool
            from arq.connections import RedisSettings

            self._pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        elif settings.smtp_url:  # the workers' cron does this when there is Redis
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_every_minute())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        await self.drain()
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
        self.settings = None

    async def deliver(self, message_ids: list[int]) -> None:
        if self.settings is None:
            return  # not started (a CLI command): the outbox keeps the messages
        if self._pool is None and self.settings.smtp_url is None:
            return  # nowhere to send: the messages wait in the outbox (demo mode shows them)
        if self._pool is not None:
            await enqueue_deliveries(self._pool, message_ids)
            return
        for message_id in message_ids:
            self._spawn(deliver_in_process, message_id, self.settings.smtp_url)

    async def sweep(self) -> list[int]:
        """The outbox sweep, in this process: send again whatever waits too long."""
        ids = await sweep_outbox(clock.now())
        await self.deliver(ids)
        return ids

    async def _sweep_every_minute(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
            try:
                await self.sweep()
            except Exception:  # a database hiccup: try again next minute
                log.exception("outbox sweep failed")

    async def run_allocation(self, run_id: int) -> None:
        """Keyed by run id; without Redis (or outside a server) it runs in this process."""
        if self._pool is not None:
            await self._pool.enqueue_job(
                RUN_ALLOCATION, run_id, _job_id=f"{RUN_ALLOCATION}:{run_id}"
            )
            return
        from prao.services.allocation import execute_run  # it imports this module

        self._spawn(execute_run, run_id)

    def _spawn(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(func(*args))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("in-process job failed: %s", task.exception())

    async def drain(self) -> None:
        """Wait for in-process jobs (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


jobs = Jobs()
