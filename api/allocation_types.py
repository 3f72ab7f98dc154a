"""GraphQL shape of an allocation run and its proposal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api import ids
from api.batched import loaded
from api.context import Info
from api.mutation_errors import MutationError
from api.types import Period, School
from prao import models, policy

AllocationStatus = models.AllocationStatus
AllocationPolicy = models.AllocationPolicy
strawberry.enum(AllocationStatus)
strawberry.enum(AllocationPolicy)


@strawberry.type(description="Why an allocation mutation was refused.")
class AllocationError(MutationError):
    field: str | None = strawberry.field(description=None)  # published without a description


@strawberry.type(description="One school's figures in a proposal.")
class SchoolProfile:
    pupils: int
    placed: int
    unplaced: int
    rank_counts: list[int] = strawberry.field(description="Index 0: pupils given wish 1, …")
    school_id: strawberry.Private[int]

    school: School = loaded("school", "school_id")


@strawberry.type(description="A proposal: how many are placed, and at which of their wishes.")
class AllocationResult:
    pupils: int
    placed: int
    unplaced_count: int
    skipped_booked: int = strawberry.field(description="Pupils who already had a booking.")
    rank_counts: list[int] = strawberry.field(description="Index 0: pupils given wish 1, …")
    schools: list[SchoolProfile]
    lottery_size: int
    run_id: strawberry.Private[int]
    unplaced_ids: strawberry.Private[list[int]]

    @strawberry.field(description="Global ids of the pupils left without a place (audited).")
    async def unplaced_pupil_ids(self, info: Info) -> list[strawberry.ID]:
        await policy.audit_read(
            info.context.actor, len(self.unplaced_ids), purpose="graphql", source="allocationRun"
        )
        return [strawberry.ID(ids.encode("Pupil", pk)) for pk in self.unplaced_ids]

    @classmethod
    def from_json(cls, run_id: int, result: dict[str, Any]) -> AllocationResult:
        return cls(
            pupils=int(result["pupils"]),
            placed=int(result["placed"]),
            unplaced_count=int(result["unplaced_count"]),
            skipped_booked=int(result["skipped_booked"]),
            rank_counts=list(result["rank_counts"]),
            schools=[
                SchoolProfile(
                    pupils=s["pupils"],
                    placed=s["placed"],
                    unplaced=s["unplaced"],
                    rank_counts=list(s["rank_counts"]),
                    school_id=s["school_id"],
                )
                for s in result["schools"]
            ],
            lottery_size=len(result["lottery"]),
            run_id=run_id,
            unplaced_ids=[u["pupil_id"] for u in result["unplaced"]],
        )


@strawberry.type(description="An allocation run (fördelning): its seed, progress and proposal.")
class AllocationRun(relay.Node):
    id: relay.NodeID[int]
    status: AllocationStatus
    policy: AllocationPolicy
    seed: int
    dry_run: bool
    progress: int = strawberry.field(description="Percent done.")
    progress_text: str
    started_by: str
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    applied_at: datetime | None
    result: AllocationResult | None
    period_id: strawberry.Private[int]

    period: Period = loaded("period", "period_id")

    @classmethod
    def from_row(cls, row: models.AllocationRun) -> AllocationRun:
        return cls(
            id=row.id,
            status=AllocationStatus(row.status),
            policy=AllocationPolicy(row.policy),
            seed=row.seed,
            dry_run=row.dry_run,
            progress=row.progress,
            progress_text=row.progress_text,
            started_by=row.started_by,
            error=row.error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            applied_at=row.applied_at,
            result=AllocationResult.from_json(row.id, row.result) if row.result else None,
            period_id=row.period_id,
        )
