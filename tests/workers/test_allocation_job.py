"""The run as an arq job on Redis, worked off by a burst-mode worker."""

from __future__ import annotations

import dataclasses

from prao.allocation import runs
from prao.config import Settings
from prao.models import AllocationRun, AllocationStatus
from server.jobs import running_jobs
from tests.allocation_world import Setup
from tests.workers.burst import run_worker_burst


async def test_run_goes_through_arq(setup: Setup, settings: Settings, redis_url: str) -> None:
    configured = dataclasses.replace(settings, redis_url=redis_url)
    async with running_jobs(configured) as runner:
        actor = await setup.world.actor(setup.world.coordinator_a)
        outcome = await runs.start_run(actor, setup.period.id, seed=4)
        assert outcome.value is not None
        await runner.run_allocation(outcome.value.id)  # enqueued twice: arq keeps one, by id
        queued = await AllocationRun.get(id=outcome.value.id)
        assert queued.status == AllocationStatus.QUEUED  # nothing ran in this process
        worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_complete == 1
    run = await AllocationRun.get(id=outcome.value.id)
    assert run.status == AllocationStatus.DONE and run.progress == 100
    assert run.result["placed"] == 4
