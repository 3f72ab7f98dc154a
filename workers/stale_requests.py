"""arq cron job: booking requests left pending for days are flagged to the coordinator."""

from __future__ import annotations

from typing import Any

from prao import clock
from prao.services.decisions import flag_stale_pending


async def flag_stale_pending_job(ctx: dict[str, Any]) -> int:
    return await flag_stale_pending(clock.now(), ctx["settings"].pending_flag_days)
