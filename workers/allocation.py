"""arq job: one allocation run."""

from __future__ import annotations

from typing import Any

from prao.allocation.runs import execute_run


async def run_allocation_job(ctx: dict[str, Any], run_id: int) -> bool:
    return await execute_run(run_id)
