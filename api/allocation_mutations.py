"""Allocation runs over GraphQL: start, apply, read. The rules live in prao.allocation."""

from __future__ import annotations

import strawberry

from api import ids
from api.allocation_types import AllocationError, AllocationPolicy, AllocationRun
from api.context import Info
from api.mutation_errors import pk_of
from prao.allocation import access, runs
from prao.allocation.apply import apply_run
from prao.errors import DomainError, Outcome
from prao.models import AllocationRun as RunRow


@strawberry.input
class StartAllocationRunInput:
    period_id: strawberry.ID
    seed: int | None = strawberry.field(
        default=None, description="Lottery seed 0–2147483647; random when left out."
    )
    dry_run: bool = strawberry.field(
        default=True, description="Only a proposal (true), or apply it at once (false)."
    )
    policy: AllocationPolicy | None = strawberry.field(
        default=None, description="The period's policy when left out."
    )


@strawberry.input
class ApplyAllocationRunInput:
    run_id: strawberry.ID


@strawberry.type
class AllocationRunPayload:
    run: AllocationRun | None
    errors: list[AllocationError]


def _payload(outcome: Outcome[RunRow]) -> AllocationRunPayload:
    run = AllocationRun.from_row(outcome.value) if outcome.value is not None else None
    return AllocationRunPayload(run=run, errors=AllocationError.all_from(outcome.errors))


@strawberry.type
class AllocationMutation:
    @strawberry.mutation(
        description="Start an allocation run of a period; it runs as a job. While a run of the "
        "period is queued or running, that run is returned and no other is started."
    )
    async def start_allocation_run(
        self, info: Info, input: StartAllocationRunInput
    ) -> AllocationRunPayload:
        period_id = pk_of(input.period_id, "Period", "periodId")
        if isinstance(period_id, DomainError):
            return _payload(Outcome(errors=[period_id]))
        outcome = await runs.start_run(
            info.context.actor,
            period_id,
            seed=input.seed,
            dry_run=input.dry_run,
            policy_name=input.policy.value if input.policy is not None else None,
        )
        return _payload(outcome)

    @strawberry.mutation(
        description="Write a proposal's bookings and messages; refused if the data changed."
    )
    async def apply_allocation_run(
        self, info: Info, input: ApplyAllocationRunInput
    ) -> AllocationRunPayload:
        run_id = pk_of(input.run_id, "AllocationRun", "runId")
        if isinstance(run_id, DomainError):
            return _payload(Outcome(errors=[run_id]))
        return _payload(await apply_run(info.context.actor, run_id))


@strawberry.type
class AllocationQuery:
    @strawberry.field(description="An allocation run; null when it is not yours to see.")
    async def allocation_run(self, info: Info, id: strawberry.ID) -> AllocationRun | None:
        pk = ids.decode_as(id, "AllocationRun")
        if pk is None:
            return None
        row = await access.visible_run(info.context.actor, pk)
        return AllocationRun.from_row(row) if row is not None else None
