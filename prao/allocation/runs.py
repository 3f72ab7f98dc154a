"""Allocation runs: starting one (one at a time per period), and the run itself, a job that
solves, stores the proposal and applies it unless it is a dry run."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.allocation import data
from prao.allocation.access import allowed_period
from prao.allocation.apply import apply_proposal
from prao.allocation.solver import solve
from prao.allocation.summary import summarise
from prao.errors import DomainError, ErrorCode, Outcome
from prao.jobs import jobs
from prao.models import AllocationPolicy, AllocationRun, AllocationStatus, Period, Permission

log = logging.getLogger(__name__)

MAX_SEED = 2**31 - 1  # a GraphQL Int
Progress = Callable[[int, str], Awaitable[None]]
ACTIVE = (AllocationStatus.QUEUED, AllocationStatus.RUNNING)

STAGES = {
    "loading": (5, "Läser in elever, önskemål och platser"),
    "solving": (30, "Beräknar fördelningen"),
    "lottery": (70, "Lottning och sammanställning"),
    "writing": (85, "Sparar resultatet"),
    "done": (100, "Klar"),
}


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


async def start_run(
    actor: Actor,
    period_id: int,
    *,
    seed: int | None = None,
    dry_run: bool = True,
    policy_name: str | None = None,
    enqueue: bool = True,
) -> Outcome[AllocationRun]:
    if refusal := policy.lacks(actor, Permission.ALLOCATE, "period_id"):
        return Outcome(errors=[refusal])
    period = await allowed_period(actor, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    if seed is None:
        seed = new_seed()
    if not 0 <= seed <= MAX_SEED:
        return Outcome.fail(
            ErrorCode.INVALID, "seed", f"Lottningsnumret ska vara ett tal 0–{MAX_SEED}."
        )
    chosen = policy_name or period.allocation_policy
    if chosen not in {p.value for p in AllocationPolicy}:
        return Outcome.fail(ErrorCode.INVALID, "policy", "Okänd fördelningsprincip.")
    async with in_transaction() as conn:
        # Concurrent starts of one period wait here for each other (row lock on PostgreSQL;
        # SQLite runs one write transaction at a time), so the second sees the first's run.
        await Period.filter(id=period.id).using_db(conn).select_for_update().first()
        active = (
            await AllocationRun.filter(period_id=period.id, status__in=ACTIVE)
            .using_db(conn)
            .order_by("id")
            .first()
        )
        if active is not None:
            return Outcome(value=active)  # one run at a time: the one already on its way
        run = await AllocationRun.create(
            period_id=period.id,
            seed=seed,
            policy=AllocationPolicy(chosen),
            dry_run=dry_run,
            started_by=actor.label,
            parameters={"seed": seed, "policy": chosen, "dry_run": dry_run, "balance": True},
            progress_text="I kö",
            using_db=conn,
        )
        await audit.record(
            actor, "start", "allocation_run", connection=conn, period_id=period.id, run_id=run.id
        )
    if enqueue:
        await jobs.run_allocation(run.id)
    return Outcome(value=run)


async def _progress(run_id: int, stage: str, on_progress: Progress | None) -> None:
    percent, text = STAGES[stage]
    await AllocationRun.filter(id=run_id).update(progress=percent, progress_text=text)
    if on_progress is not None:
        await on_progress(percent, text)


async def execute_run(run_id: int, on_progress: Progress | None = None) -> bool:
    """The job: solve, store the proposal, and apply it unless a dry run. Idempotent: a run
    that is not queued any more is left alone (arq may deliver a job twice)."""
    now = clock.now()
    claimed = await AllocationRun.filter(id=run_id, status=AllocationStatus.QUEUED).update(
        status=AllocationStatus.RUNNING, started_at=now
    )
    if not claimed:
        return False
    run = await AllocationRun.get(id=run_id)
    try:
        await _progress(run_id, "loading", on_progress)
        t0 = time.perf_counter()
        loaded = await data.load(run.period_id, run.policy)
        t1 = time.perf_counter()
        await _progress(run_id, "solving", on_progress)
        # In a thread: in the embedded mode the web process keeps answering meanwhile.
        solution = await asyncio.to_thread(solve, loaded.instance, run.seed)
        await _progress(run_id, "lottery", on_progress)
        result = await asyncio.to_thread(summarise, loaded, solution)
        t2 = time.perf_counter()
        result["timings"] = {"load_seconds": round(t1 - t0, 4), "solve_seconds": round(t2 - t1, 4)}
        await _progress(run_id, "writing", on_progress)
        await AllocationRun.filter(id=run_id).update(result=result, fingerprint=loaded.fingerprint)
        finished: dict[str, Any] = {"status": AllocationStatus.DONE, "finished_at": clock.now()}
        if not run.dry_run:
            applied = await apply_proposal(
                await AllocationRun.get(id=run_id), AllocationStatus.RUNNING
            )
            finished["status"] = AllocationStatus.APPLIED
            if applied.errors:
                finished.update(status=AllocationStatus.STALE, error=applied.errors[0].message)
        await AllocationRun.filter(id=run_id).update(**finished)
        await _progress(run_id, "done", on_progress)
    except Exception as exc:  # a failed run is recorded, not lost
        log.exception("allocation run %s failed", run_id)
        await AllocationRun.filter(id=run_id).update(
            status=AllocationStatus.FAILED, error=str(exc)[:1000], finished_at=clock.now()
        )
        return False
    return True
