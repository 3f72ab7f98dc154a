"""The real arq worker functions in burst mode: run until the queue (retries too) is empty."""

from __future__ import annotations

from arq.connections import RedisSettings
from arq.worker import Worker

from prao.config import Settings
from workers.settings import FUNCTIONS

RETRY_BASE_SECONDS = 0.05  # retries in tests come in milliseconds, not minutes


async def run_worker_burst(redis_url: str, settings: Settings) -> Worker:
    worker = Worker(
        functions=FUNCTIONS,
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        ctx={"settings": settings, "retry_base_seconds": RETRY_BASE_SECONDS},
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    return worker
