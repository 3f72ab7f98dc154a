"""A period has at most one run queued or running: starting again answers that run, from the
service, GraphQL, the start page and the command line; on PostgreSQL also when starts race."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import click
import pytest

from prao.allocation import runs
from prao.jobs import jobs
from prao.models import AllocationRun, AllocationStatus, AuditEvent, PeriodMode, User
from server.allocate_cli import allocate_with_bar
from tests import factories
from tests.allocation_world import Setup
from tests.callers import Caller, ClientFactory, gid
from tests.conftest import csrf_from

START = """mutation($input: StartAllocationRunInput!) {
  startAllocationRun(input: $input) { run { id status seed } errors { code } } }"""


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs stay queued, as when the workers are busy."""

    async def queued(run_id: int) -> None:
        return None

    monkeypatch.setattr(jobs, "run_allocation", queued)


async def starts() -> int:
    return await AuditEvent.filter(action="start", object_type="allocation_run").count()


@pytest.mark.parametrize("status", [AllocationStatus.QUEUED, AllocationStatus.RUNNING])
async def test_starting_while_a_run_is_on_its_way_answers_that_run(
    setup: Setup, no_worker: None, status: AllocationStatus
) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    first = (await runs.start_run(actor, setup.period.id, seed=1)).value
    assert first is not None
    await AllocationRun.filter(id=first.id).update(status=status)
    again = await runs.start_run(actor, setup.period.id, seed=2, dry_run=False)
    assert again.ok and again.value is not None
    assert again.value.id == first.id and again.value.seed == 1
    assert await AllocationRun.all().count() == 1
    assert await starts() == 1


async def test_a_finished_run_does_not_block_the_next(setup: Setup, no_worker: None) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    for status in (AllocationStatus.DONE, AllocationStatus.FAILED, AllocationStatus.APPLIED):
        run = (await runs.start_run(actor, setup.period.id)).value
        assert run is not None
        await AllocationRun.filter(id=run.id).update(status=status)
    assert await AllocationRun.all().count() == 3


async def test_a_run_of_another_period_does_not_block(setup: Setup, no_worker: None) -> None:
    other = await factories.period(setup.world.school_a, mode=PeriodMode.ALLOCATION)
    actor = await setup.world.actor(setup.world.coordinator_a)
    one = (await runs.start_run(actor, setup.period.id)).value
    two = (await runs.start_run(actor, other.id)).value
    assert one is not None and two is not None and one.id != two.id


async def test_graphql_answers_the_queued_run(
    setup: Setup, no_worker: None, as_user: Callable[[User], Awaitable[Caller]]
) -> None:
    caller = await as_user(setup.world.coordinator_a)
    period = gid("Period", setup.period.id)
    first = await caller.data(START, {"input": {"periodId": period, "seed": 3}})
    second = await caller.data(START, {"input": {"periodId": period, "seed": 4}})
    assert first["startAllocationRun"]["errors"] == second["startAllocationRun"]["errors"] == []
    run = first["startAllocationRun"]["run"]
    assert second["startAllocationRun"]["run"] == run
    assert run["status"] == "QUEUED" and run["seed"] == 3
    assert await AllocationRun.all().count() == 1


async def test_the_start_page_leads_to_the_queued_run(
    setup: Setup, no_worker: None, browser_for: ClientFactory
) -> None:
    path = f"/oversikt/perioder/{setup.period.id}/fordelning"
    async with browser_for(setup.world.coordinator_a) as client:
        places = []
        for seed in ("5", "6"):
            form = await client.get(path)
            started = await client.post(
                path, data={"csrf_token": csrf_from(form.text), "seed": seed, "policy": "convex"}
            )
            assert started.status_code == 303
            places.append(started.headers["location"])
    (run,) = await AllocationRun.all()
    assert places == [f"/fordelning/{run.id}"] * 2 and re.fullmatch(r"/fordelning/\d+", places[0])


async def test_the_command_line_does_not_start_a_second_run(setup: Setup, no_worker: None) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    running = (await runs.start_run(actor, setup.period.id)).value
    assert running is not None
    await AllocationRun.filter(id=running.id).update(status=AllocationStatus.RUNNING)

    class Bar:
        label = ""

        def update(self, step: int) -> None: ...

    bar: Any = Bar()
    with pytest.raises(click.ClickException, match=f"pågår redan \\(körning {running.id}\\)"):
        await allocate_with_bar(setup.period.id, None, True, None, bar)
    assert await AllocationRun.all().count() == 1


@pytest.mark.postgres
async def test_concurrent_starts_make_one_run(
    setup: Setup, no_worker: None, postgres: None
) -> None:
    actor = await setup.world.actor(setup.world.coordinator_a)
    outcomes = await asyncio.gather(
        *(runs.start_run(actor, setup.period.id, seed=i) for i in range(20))
    )
    assert all(o.ok and o.value is not None for o in outcomes)
    assert len({o.value.id for o in outcomes if o.value is not None}) == 1
    assert await AllocationRun.all().count() == 1
    assert await starts() == 1
