"""arq jobs of the outbox: deliver one message, sweep the outbox, reminders, stale requests."""

from __future__ import annotations

import os
from typing import Any

from arq import Retry

from prao import clock, throttle
from prao.jobs import enqueue_deliveries
from prao.services.decisions import flag_stale_pending
from prao.services.delivery import (
    RETRY_BASE_SECONDS,
    Delivered,
    DeliveryDeferred,
    deliver_message,
    sweep_outbox,
)
from prao.services.reminders import send_placement_reminders


def retry_base_seconds() -> float:
    """First retry delay; OUTBOX_RETRY_SECONDS shortens it where waiting makes no sense."""
    return float(os.environ.get("OUTBOX_RETRY_SECONDS") or RETRY_BASE_SECONDS)


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


async def placement_reminders_job(ctx: dict[str, Any]) -> int:
    ids = await send_placement_reminders(clock.now())
    if ctx["settings"].smtp_url is not None:
        await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)


async def flag_stale_pending_job(ctx: dict[str, Any]) -> int:
    return await flag_stale_pending(clock.now(), ctx["settings"].pending_flag_days)


async def prune_mail_throttle_job(ctx: dict[str, Any]) -> int:
    return await throttle.prune(clock.now())
