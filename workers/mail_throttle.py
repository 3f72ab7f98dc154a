"""arq cron job: the mail throttle's counts older than its longest window are deleted."""

from __future__ import annotations

from typing import Any

from prao import clock, throttle


async def prune_mail_throttle_job(ctx: dict[str, Any]) -> int:
    return await throttle.prune(clock.now())
