"""arq jobs of the outbox: deliver one message; sweep up whatever waits too long."""

from __future__ import annotations

from typing import Any

from arq import Retry

from prao import clock
from prao.services.delivery import (
    RETRY_BASE_SECONDS,
    Delivered,
    DeliveryDeferred,
    deliver_message,
    sweep_outbox,
)
from workers.arq_jobs import enqueue_deliveries


async def deliver_message_job(ctx: dict[str, Any], message_id: int) -> str:
    base = ctx.get("retry_base_seconds", RETRY_BASE_SECONDS)
    try:
        result: Delivered = await deliver_message(message_id, ctx["settings"].smtp_url, base)
    except DeliveryDeferred as deferred:
        raise Retry(defer=deferred.seconds) from deferred
    return result.value


async def sweep_outbox_job(ctx: dict[str, Any]) -> int:
    if ctx["settings"].smtp_url is None:
        return 0  # nowhere to send: the messages wait in the outbox
    ids = await sweep_outbox(clock.now())
    await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)
