"""`prao allocate PERIOD`: a run from the command line, with a progress bar."""

from __future__ import annotations

from typing import Any

import click

from prao.actor import Actor
from prao.models import AllocationRun, AllocationStatus, Period, Role, School


async def allocate(
    period_id: int, seed: int | None, dry_run: bool, policy: str | None, bar: Any
) -> AllocationRun:
    from prao.services.allocation import execute_run, start_run

    period = await Period.get_or_none(id=period_id)
    if period is None:
        raise click.ClickException(f"Praoperioden {period_id} finns inte.")
    school = await School.get(id=period.school_id)
    # The operator acts as the organiser's administrator.
    operator = Actor(kind="cli", role=Role.ADMIN, organiser_id=school.organiser_id)
    started = await start_run(
        operator, period.id, seed=seed, dry_run=dry_run, policy_name=policy, enqueue=False
    )
    if started.value is None:
        raise click.ClickException(started.errors[0].message)
    shown = 0

    async def progress(percent: int, text: str) -> None:
        nonlocal shown
        bar.label = text
        bar.update(percent - shown)
        shown = percent

    if not await execute_run(started.value.id, progress):
        run = await AllocationRun.get(id=started.value.id)
        if run.status == AllocationStatus.RUNNING:  # started elsewhere and still going
            raise click.ClickException(
                f"En fördelning av perioden pågår redan (körning {run.id}); vänta tills den är klar"
            )
    return await AllocationRun.get(id=started.value.id)


def report(run: AllocationRun) -> None:
    result: dict[str, Any] = run.result
    click.echo(f"Körning {run.id}: {run.status} (frö {run.seed}, {run.policy})")
    if run.error:
        click.echo(run.error, err=True)
    if not result:
        return
    click.echo(f"Placerade {result['placed']} av {result['pupils']} elever.")
    for rank, count in enumerate(result["rank_counts"], start=1):
        click.echo(f"  önskemål {rank}: {count}")
    click.echo(f"  utan plats: {result['unplaced_count']}")
    click.echo(f"Tider: {result.get('timings')}")
