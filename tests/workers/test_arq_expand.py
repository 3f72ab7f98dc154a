"""The expand job written in one round trip is the job arq's own enqueue_job writes."""

from __future__ import annotations

import asyncio

from arq.jobs import Job, JobStatus

from workers.arq_jobs import EXPAND_EVENTS, ArqJobs


async def test_expand_queues_a_job_arq_runs(redis_url: str) -> None:
    runner = await ArqJobs.connect(redis_url)
    try:
        await runner.expand([7, 3])
        await runner.expand([7, 3])  # not keyed: a second job, harmless (events are claimed)
        await runner.expand([])  # nothing to expand: no job
        queued = await runner.pool.queued_jobs()
        assert [(j.function, j.args, j.kwargs) for j in queued] == [
            (EXPAND_EVENTS, ([7, 3],), {}),
            (EXPAND_EVENTS, ([7, 3],), {}),
        ]
        assert len({j.job_id for j in queued}) == 2
        for found in queued:
            assert found.job_try is None and found.score is not None
            job = Job(found.job_id, runner.pool)
            assert await job.status() == JobStatus.queued
            # Kept as long as arq keeps a job it queued: a day beyond its start.
            ttl = await runner.pool.pttl(b"arq:job:" + found.job_id.encode())
            assert runner.pool.expires_extra_ms - 60_000 < ttl <= runner.pool.expires_extra_ms
    finally:
        await runner.close()


async def test_concurrent_expands_queue_one_job_for_all_their_events(redis_url: str) -> None:
    runner = await ArqJobs.connect(redis_url)
    try:
        await asyncio.gather(runner.expand([4]), runner.expand([9, 2]), runner.expand([]))
        await runner.expand([5])  # after the write: a job of its own
        queued = await runner.pool.queued_jobs()
    finally:
        await runner.close()
    assert sorted(j.args for j in queued) == [([4, 9, 2],), ([5],)]
