"""The jobs runner on Redis: the domain's jobs become arq jobs, keyed so none runs twice."""

from __future__ import annotations

from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix, result_key_prefix

DELIVER_MESSAGE = "deliver_message"
EXPAND_EVENTS = "expand_events"
RUN_ALLOCATION = "run_allocation"


async def enqueue_deliveries(pool: Any, message_ids: list[int]) -> None:
    """Keyed by message id: arq will not queue a message that is queued or running already."""
    for message_id in message_ids:
        job_id = f"{DELIVER_MESSAGE}:{message_id}"
        if await pool.enqueue_job(DELIVER_MESSAGE, message_id, _job_id=job_id) is not None:
            continue
        # Refused because arq still keeps the result of a finished job (it gave up after its
        # tries): the database says the message waits, so queue it afresh.
        if not await pool.exists(job_key_prefix + job_id):
            await pool.delete(result_key_prefix + job_id)
            await pool.enqueue_job(DELIVER_MESSAGE, message_id, _job_id=job_id)


class ArqJobs:
    """Enqueues; the workers (`prao worker`) do the work."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, redis_url: str) -> ArqJobs:
        return cls(await create_pool(RedisSettings.from_dsn(redis_url)))

    async def expand(self, event_ids: list[int]) -> None:
        # Not keyed: expanding twice is harmless (an event is claimed once), losing one is not.
        if event_ids:
            await self.pool.enqueue_job(EXPAND_EVENTS, list(event_ids))

    async def deliver(self, message_ids: list[int]) -> None:
        await enqueue_deliveries(self.pool, message_ids)

    async def run_allocation(self, run_id: int) -> None:
        await self.pool.enqueue_job(RUN_ALLOCATION, run_id, _job_id=f"{RUN_ALLOCATION}:{run_id}")

    async def close(self) -> None:
        await self.pool.aclose()
