"""A command's work against the database, run to the end in its own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prao.config import Settings, use_settings
from prao.db import close_db, init_db
from prao.jobs import jobs
from workers.in_process import InProcessJobs

T = TypeVar("T")


def with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Mail a command writes waits in the outbox for the server's or the workers' sweep; an
    allocation it queues runs here."""

    async def run() -> T:
        use_settings(settings)
        await init_db(settings)
        runner = InProcessJobs(smtp_url=None)
        previous = jobs.use(runner)
        try:
            return await work()
        finally:
            await runner.close()
            jobs.use(previous)
            await close_db()

    return asyncio.run(run())
