"""`prao allocate PERIOD`: a run from the command line, with a progress bar and a report."""

from __future__ import annotations

import sys
from typing import Any

import click

from prao.config import load_settings
from prao.models import AllocationRun
from prao.services import operator
from server.with_db import with_db

POLICIES = ["convex", "linear", "most_first_wishes", "fewest_last_wishes"]


async def allocate_with_bar(
    period_id: int, seed: int | None, dry_run: bool, policy: str | None, bar: Any
) -> AllocationRun:
    """The operator's run, its progress shown on a click progress bar."""
    shown = 0

    async def progress(percent: int, text: str) -> None:
        nonlocal shown
        bar.label = text
        bar.update(percent - shown)
        shown = percent

    try:
        return await operator.allocate(period_id, seed, dry_run, policy, progress)
    except operator.OperatorRefused as refused:
        raise click.ClickException(str(refused)) from None


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


@click.command()
@click.argument("period", type=int)
@click.option("--seed", type=int, default=None, help="lottery seed (random by default)")
@click.option("--dry-run/--apply", default=True, show_default=True)
@click.option("--policy", type=click.Choice(POLICIES))
def allocate(period: int, seed: int | None, dry_run: bool, policy: str | None) -> None:
    """Run the allocation of a period (a proposal unless --apply)."""
    with click.progressbar(length=100, label="Fördelning") as bar:
        run = with_db(
            load_settings(), lambda: allocate_with_bar(period, seed, dry_run, policy, bar)
        )
    report(run)
    if run.status in ("failed", "stale"):
        sys.exit(1)
