"""arq jobs of outbox events: expand them into messages, then queue those for delivery."""

from __future__ import annotations

from typing import Any

from prao import clock
from prao.outbox import expand_events, unexpanded_events
from workers.arq_jobs import enqueue_deliveries


async def expand_events_job(ctx: dict[str, Any], event_ids: list[int]) -> int:
    ids = await expand_events(event_ids)
    await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)


async def sweep_events_job(ctx: dict[str, Any]) -> int:
    """Expand what a lost job left unexpanded (a worker died, Redis was down meanwhile)."""
    event_ids = await unexpanded_events(clock.now())
    if not event_ids:
        return 0
    return await expand_events_job(ctx, event_ids)
