"""arq cron job: once a day, erase the pupil data of periods past their organiser's retention."""

from __future__ import annotations

from typing import Any

from prao.services.retention import erase_expired


async def retention_job(ctx: dict[str, Any]) -> int:
    """The number of pupils erased (each organiser's run is audited with its counts)."""
    return sum(run.erased.pupils for run in await erase_expired())
