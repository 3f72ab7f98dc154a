"""Which job runner a process uses, chosen by its settings and wired into the domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prao.config import Settings
from prao.jobs import jobs
from workers.arq_jobs import ArqJobs
from workers.in_process import InProcessJobs


@asynccontextmanager
async def running_jobs(settings: Settings) -> AsyncIterator[ArqJobs | InProcessJobs]:
    """While the block runs, the domain's jobs go to arq on Redis with REDIS_URL, else to the
    same job functions in this process; afterwards the runner before it is wired back."""
    runner: ArqJobs | InProcessJobs
    if settings.redis_url:
        runner = await ArqJobs.connect(settings.redis_url)
    else:
        runner = InProcessJobs(settings.smtp_url)
        runner.start()
    previous = jobs.use(runner)
    try:
        yield runner
    finally:
        try:
            await runner.close()  # in-process jobs still running may deliver through it
        finally:
            jobs.use(previous)
