"""Pupils' ranked wishes and the allocation runs that place them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.people import Pupil
    from prao.models.placements import Period, Slot


class AllocationPolicy(StrEnum):
    CONVEX = "convex"
    LINEAR = "linear"
    MOST_FIRST_WISHES = "most_first_wishes"
    FEWEST_LAST_WISHES = "fewest_last_wishes"


class AllocationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # a proposal (dry run) or a finished run
    APPLIED = "applied"
    FAILED = "failed"
    STALE = "stale"  # the data changed after the dry run: apply refused


class Wish(Model):
    """A pupil's ranked wish (1 = first) for a slot in an allocation period."""

    id = fields.IntField(primary_key=True)
    pupil: fields.ForeignKeyRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="wishes", on_delete=fields.CASCADE
    )
    pupil_id: int
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="wishes", on_delete=fields.CASCADE
    )
    period_id: int
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="wishes", on_delete=fields.CASCADE
    )
    slot_id: int
    # Annotated: Tortoise types SmallIntField and BigIntField values as Any.
    rank: int = fields.SmallIntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wish"
        indexes = (("period_id",), ("slot_id",))
        unique_together = (("pupil", "period", "rank"), ("pupil", "period", "slot"))


class AllocationRun(Model):
    """One allocation run: its seed and parameters, progress, proposal and outcome."""

    id = fields.IntField(primary_key=True)
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="allocation_runs", on_delete=fields.CASCADE
    )
    period_id: int
    seed: int = fields.BigIntField()
    policy = fields.CharEnumField(AllocationPolicy, max_length=30)
    dry_run = fields.BooleanField(default=True)
    status = fields.CharEnumField(AllocationStatus, max_length=20, default=AllocationStatus.QUEUED)
    progress: int = fields.SmallIntField(default=0)  # percent
    progress_text = fields.CharField(max_length=200, default="")
    started_by = fields.CharField(max_length=100)  # actor label, as in the audit log
    parameters: dict[str, object] = fields.JSONField(default=dict)
    result: dict[str, object] = fields.JSONField(default=dict)
    fingerprint = fields.CharField(max_length=64, default="")  # of the data the run saw
    error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    applied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "allocation_run"
        indexes = (("period_id",),)
