"""arq jobs of the outbox: deliver a batch of messages; sweep up whatever waits too long."""

from __future__ import annotations

from typing import Any

from arq import Retry

from prao import clock
from prao.services.delivery import RETRY_BASE_SECONDS, deliver_batch, sweep_outbox
from workers.arq_jobs import enqueue_deliveries


async def deliver_messages_job(ctx: dict[str, Any], message_ids: list[int]) -> str:
    base = ctx.get("retry_base_seconds", RETRY_BASE_SECONDS)
    result = await deliver_batch(message_ids, ctx["settings"].smtp_url, base)
    if result.retry_in is not None:
        # Again later: the retry claims only what is still pending, the deferred ones.
        raise Retry(defer=result.retry_in)
    return str(result)


async def sweep_outbox_job(ctx: dict[str, Any]) -> int:
    if ctx["settings"].smtp_url is None:
        return 0  # nowhere to send: the messages wait in the outbox
    now = clock.now()
    ids = await sweep_outbox(now)
    await enqueue_deliveries(ctx["redis"], ids, tag=f"@sweep-{now.timestamp():.0f}")
    return len(ids)
