"""arq cron job: the first-day brief, then the reminder before a placement starts (which now
reaches only a booking the brief has not), then what is due at and after the end (the week's
attendance, the certificate and its reminders, the evaluations and theirs)."""

from __future__ import annotations

from typing import Any

from prao import clock
from prao.services.after_the_end import send_after_the_end
from prao.services.evaluation_requests import send_evaluation_requests
from prao.services.first_day_brief import send_first_day_briefs
from prao.services.reminders import send_placement_reminders
from workers.arq_jobs import enqueue_deliveries


async def before_the_start() -> list[int]:
    """The mail due before placements start and after they end, in every mode: the workers'
    cron and the in-process runner both call this."""
    now = clock.now()
    return [
        *await send_first_day_briefs(now),
        *await send_placement_reminders(now),
        *await send_after_the_end(now),
        *await send_evaluation_requests(now),
    ]


async def placement_reminders_job(ctx: dict[str, Any]) -> int:
    ids = await before_the_start()
    if ctx["settings"].smtp_url is not None:
        await enqueue_deliveries(ctx["redis"], ids)
    return len(ids)
