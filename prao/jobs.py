"""The jobs interface: arq on Redis when REDIS_URL is set, else the same functions in-process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from prao.config import Settings
from prao.services.delivery import deliver_message

log = logging.getLogger(__name__)

DELIVER_MESSAGE = "deliver_message"


class Jobs:
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._pool: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, settings: Settings) -> None:
        self.settings = settings
        if settings.redis_url:
            from arq import create_pool
            from arq.connections import RedisSettings

            self._pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))

    async def stop(self) -> None:
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
        for message_id in message_ids:
            if self._pool is not None:
                # Keyed by message id: arq will not queue the same message twice.
                await self._pool.enqueue_job(
                    DELIVER_MESSAGE, message_id, _job_id=f"{DELIVER_MESSAGE}:{message_id}"
                )
            else:
                self._spawn(deliver_message, message_id, self.settings.smtp_url)

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
