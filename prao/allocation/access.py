"""Who may allocate, and the periods, runs and unplaced pupils she may see."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Subquery

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.models import AllocationRun, Period, Pupil
from prao.pupil_view import PupilView
from prao.validation import valid_id

CHUNK = 5000  # ids per IN list: PostgreSQL takes at most 32767 parameters


def may_allocate(actor: Actor) -> bool:
    """The school's coordinator, the organiser's admin, or a school system's token; which
    periods is up to policy.periods."""
    return actor.is_school_staff


async def allowed_period(actor: Actor, period_id: int) -> Period | DomainError:
    if not may_allocate(actor):
        return DomainError.of(ErrorCode.FORBIDDEN, "period_id")
    period = await policy.periods(actor).get_or_none(id=period_id) if valid_id(period_id) else None
    if period is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "period_id", "Praoperioden finns inte.")
    return period


async def visible_run(actor: Actor, run_id: int) -> AllocationRun | None:
    if not may_allocate(actor) or not valid_id(run_id):
        return None
    found: AllocationRun | None = await visible_runs(actor).get_or_none(id=run_id)
    return found


async def unplaced_pupils(actor: Actor, run: AllocationRun) -> dict[int, PupilView]:
    """The unplaced pupils of a proposal as the actor may see them (one audited read)."""
    wanted = [u["pupil_id"] for u in run.result.get("unplaced", [])]  # type: ignore[attr-defined]
    rows: list[Pupil] = []
    for i in range(0, len(wanted), CHUNK):
        rows += await policy.pupils(actor).filter(id__in=wanted[i : i + CHUNK])
    views = await policy.pupil_views(
        actor, rows, purpose="allocation_run", context="allocation_run", run_id=run.id
    )
    return {view.id: view for view in views}


async def recent_runs(actor: Actor, period_id: int, limit: int = 10) -> list[AllocationRun]:
    period = await allowed_period(actor, period_id)
    if isinstance(period, DomainError):
        return []
    return await AllocationRun.filter(period_id=period.id).order_by("-id").limit(limit)


def visible_runs(actor: Actor) -> Any:
    """Runs the actor may see: those of periods she may allocate for."""
    if not may_allocate(actor):
        return AllocationRun.filter(id__lt=0)
    return AllocationRun.filter(period_id__in=Subquery(policy.periods(actor).values("id")))
