"""arq cron job: the reminder to guardians who have not answered a consent request."""

from __future__ import annotations

from typing import Any

from prao import clock
from prao.services.consent import send_consent_reminders
from workers.arq_jobs import enqueue_deliveries


async def consent_reminders_job(ctx: dict[str, Any]) -> int:
    ids = await send_consent_reminders(clock.now())
    if ctx["settings"].smtp_url is not None:
        await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)
