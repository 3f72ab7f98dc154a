"""The jobs runner without Redis: the workers' job functions as tasks of this process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from prao import clock
from prao.allocation.runs import execute_run
from prao.outbox import expand_events, unexpanded_events
from prao.services.consent import send_consent_reminders
from prao.services.delivery import (
    BATCH_SIZE,
    SWEEP_EVERY_SECONDS,
    deliver_batch,
    sweep_outbox,
)
from prao.services.retention import erase_expired
from workers.reminders import before_the_start

log = logging.getLogger(__name__)

# The mail due before placements start (the first-day brief), as the workers' hourly cron
# sends it: first a minute after start-up, then every hour.
BEFORE_THE_START_FIRST = 60.0
BEFORE_THE_START_EVERY = 3600.0
# The retention job, as the workers' daily cron runs it: first five minutes after start-up.
RETENTION_FIRST = 300.0
RETENTION_EVERY = 86400.0


async def deliver_in_process(message_ids: list[int], smtp_url: str | None) -> None:
    result = await deliver_batch(message_ids, smtp_url)
    if result.retry_in is not None:  # pending again: the periodic sweep retries them
        log.info("%s messages deferred %.0fs", result.deferred, result.retry_in)


class InProcessJobs:
    """Mail goes out over `smtp_url` (none: the messages wait in the outbox, and demo mode
    shows them); allocation runs in this process. `start` writes the mail due before
    placements start every hour, as the workers' cron does when there is Redis, and with an
    SMTP server also sweeps the outbox every SWEEP_EVERY_SECONDS."""

    def __init__(self, smtp_url: str | None = None) -> None:
        self.smtp_url = smtp_url
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._briefer: asyncio.Task[None] | None = None
        self._eraser: asyncio.Task[None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._briefer = loop.create_task(self._before_the_start_periodically())
        self._eraser = loop.create_task(self._retention_daily())
        if self.smtp_url is not None:
            self._sweeper = loop.create_task(self._sweep_periodically())

    async def close(self) -> None:
        running = [t for t in (self._sweeper, self._briefer, self._eraser) if t is not None]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self._sweeper = self._briefer = self._eraser = None
        await self.drain()

    async def expand(self, event_ids: list[int]) -> None:
        """Inline, awaited: the messages exist when the change's request answers."""
        await self.deliver(await expand_events(event_ids))

    async def deliver(self, message_ids: list[int]) -> None:
        if self.smtp_url is None:
            return  # nowhere to send: the messages wait in the outbox
        ids = sorted(set(message_ids))
        for start in range(0, len(ids), BATCH_SIZE):
            self._spawn(deliver_in_process, ids[start : start + BATCH_SIZE], self.smtp_url)

    async def run_allocation(self, run_id: int) -> None:
        self._spawn(execute_run, run_id)

    async def sweep(self) -> list[int]:
        """The outbox sweep, in this process: expand the events left unexpanded, send again
        whatever waits too long."""
        if event_ids := await unexpanded_events(clock.now()):
            await self.expand(event_ids)
        ids = await sweep_outbox(clock.now())
        await self.deliver(ids)
        return ids

    async def before_the_start(self) -> list[int]:
        """The first-day briefs (and reminders, the guardians' consent reminders among them)
        due now, written and sent."""
        ids = await before_the_start()
        ids += await send_consent_reminders(clock.now())
        await self.deliver(ids)
        return ids

    async def _before_the_start_periodically(self) -> None:
        await asyncio.sleep(BEFORE_THE_START_FIRST)
        while True:
            try:
                await self.before_the_start()
            except Exception:  # a database hiccup: try again in an hour
                log.exception("first-day briefs failed")
            await asyncio.sleep(BEFORE_THE_START_EVERY)

    async def retention(self) -> int:
        """The retention job, in this process: the number of pupils erased."""
        return sum(run.erased.pupils for run in await erase_expired())

    async def _retention_daily(self) -> None:
        await asyncio.sleep(RETENTION_FIRST)
        while True:
            try:
                await self.retention()
            except Exception:  # a database hiccup: try again tomorrow
                log.exception("retention job failed")
            await asyncio.sleep(RETENTION_EVERY)

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_SECONDS)
            try:
                await self.sweep()
            except Exception:  # a database hiccup: try again at the next sweep
                log.exception("outbox sweep failed")

    def _spawn(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(func(*args))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("in-process job failed: %s", task.exception())

    async def drain(self) -> None:
        """Wait for the jobs started so far (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
