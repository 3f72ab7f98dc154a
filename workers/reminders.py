"""arq cron job: the reminder mail before a placement starts."""

from __future__ import annotations

from typing import Any

from prao import clock
from prao.services.reminders import send_placement_reminders
from workers.arq_jobs import enqueue_deliveries


async def placement_reminders_job(ctx: dict[str, Any]) -> int:
    ids = await send_placement_reminders(clock.now())
    if ctx["settings"].smtp_url is not None:
        await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)
