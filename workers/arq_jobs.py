"""The jobs runner on Redis: the domain's jobs become arq jobs, keyed so none runs twice."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from prao.batch import Batched
from prao.services.delivery import BATCH_SIZE

DELIVER_MESSAGES = "deliver_messages"
EXPAND_EVENTS = "expand_events"
RUN_ALLOCATION = "run_allocation"


def delivery_job_id(batch: Sequence[int], tag: str = "") -> str:
    """The key of a batch (its ids, sorted), so that queuing the same batch twice is one job."""
    digest = hashlib.blake2b(",".join(map(str, batch)).encode(), digest_size=8).hexdigest()
    return f"{DELIVER_MESSAGES}:{batch[0]}-{batch[-1]}:{digest}{tag}"


async def enqueue_deliveries(pool: Any, message_ids: Sequence[int], tag: str = "") -> None:
    """One job per BATCH_SIZE messages, keyed by its ids: arq will not queue a batch that is
    queued or running already (a message in two batches is still sent once: the claim decides).
    A `tag` (the sweep's) makes the keys new: the job of a worker that died keeps its key for
    as long as arq waits for it (the longest job timeout), and the sweep must not wait that long."""
    ids = sorted(set(message_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        job_id = delivery_job_id(batch, tag)
        if await pool.enqueue_job(DELIVER_MESSAGES, batch, _job_id=job_id) is not None:
            continue
        # Refused because arq still keeps the result of a finished job (it gave up after its
        # tries): the database says the messages wait, so queue them afresh.
        if not await pool.exists(job_key_prefix + job_id):
            await pool.delete(result_key_prefix + job_id)
            await pool.enqueue_job(DELIVER_MESSAGES, batch, _job_id=job_id)


class ArqJobs:
    """Enqueues; the workers (`prao worker`) do the work."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool
        self._expansions: Batched[list[int], None] = Batched(self._expand_all)

    @classmethod
    async def connect(cls, redis_url: str) -> ArqJobs:
        return cls(await create_pool(RedisSettings.from_dsn(redis_url)))

    async def expand(self, event_ids: list[int]) -> None:
        """Returns once the events are queued. The events of concurrent calls (bookings being
        answered at the same moment) go into one job, written in one round trip: a busy server
        makes one write for many bookings, and a worker expands them in one transaction."""
        if event_ids:
            await self._expansions(event_ids)

    async def _expand_all(self, batches: list[list[int]]) -> list[None]:
        # Not keyed: expanding twice is harmless (an event is claimed once), losing one is not.
        # A fresh id cannot be queued already, so the job is written as arq's enqueue_job
        # writes it, without its watch-and-check round trips.
        job_id = uuid4().hex
        now = timestamp_ms()
        event_ids = [event_id for batch in batches for event_id in batch]
        job = serialize_job(
            EXPAND_EVENTS, (event_ids,), {}, None, now, serializer=self.pool.job_serializer
        )
        async with self.pool.pipeline(transaction=True) as pipe:
            pipe.psetex(job_key_prefix + job_id, self.pool.expires_extra_ms, job)
            pipe.zadd(self.pool.default_queue_name, {job_id: now})
            await pipe.execute()
        return [None] * len(batches)

    async def deliver(self, message_ids: list[int]) -> None:
        await enqueue_deliveries(self.pool, message_ids)

    async def run_allocation(self, run_id: int) -> None:
        await self.pool.enqueue_job(RUN_ALLOCATION, run_id, _job_id=f"{RUN_ALLOCATION}:{run_id}")

    async def close(self) -> None:
        await self.pool.aclose()
