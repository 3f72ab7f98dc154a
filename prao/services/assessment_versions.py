"""A slot's risk assessment versions as stored: the current (latest submitted) one, the newest,
the open drafts, and the copy made when a slot is copied to next year. No access rule here:
callers have found the slot through prao.policy or prao.services.risk_assessment."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Max

from prao import hazards
from prao.errors import DomainError, ErrorCode
from prao.models import AssessmentStatus, RiskAssessment
from prao.services.assessment_input import TEXT_FIELDS


async def current(
    slot_id: int, connection: BaseDBAsyncClient | None = None
) -> RiskAssessment | None:
    """The slot's latest submitted version: what schools, guardians and readiness go by."""
    return (
        await RiskAssessment.filter(slot_id=slot_id, status=AssessmentStatus.SUBMITTED)
        .using_db(connection)
        .order_by("-version")
        .first()
    )


async def latest(
    slot_id: int, connection: BaseDBAsyncClient | None = None
) -> RiskAssessment | None:
    """The slot's newest version, a draft or submitted."""
    return (
        await RiskAssessment.filter(slot_id=slot_id)
        .using_db(connection)
        .order_by("-version")
        .first()
    )


async def current_versions(slot_ids: Iterable[int]) -> dict[int, RiskAssessment]:
    """The current version of each slot that has one, in two queries for any number."""
    wanted = sorted(set(slot_ids))
    if not wanted:
        return {}
    tops = (
        await RiskAssessment.filter(slot_id__in=wanted, status=AssessmentStatus.SUBMITTED)
        .group_by("slot_id")
        .annotate(top=Max("version"))
        .values_list("slot_id", "top")
    )
    if not tops:
        return {}
    q = Q(*[Q(slot_id=s, version=v) for s, v in tops], join_type="OR")
    return {row.slot_id: row for row in await RiskAssessment.filter(q)}


async def drafts(slot_ids: Iterable[int]) -> dict[int, RiskAssessment]:
    """The open draft of each slot that has one (a draft is always the newest version)."""
    wanted = sorted(set(slot_ids))
    rows = await RiskAssessment.filter(slot_id__in=wanted, status=AssessmentStatus.DRAFT)
    return {row.slot_id: row for row in rows}


async def copy_as_draft(source_slot_id: int, copy_id: int, conn: BaseDBAsyncClient) -> None:
    """Copy-to-next-year: the source's newest version becomes the copy's first, as a draft
    (the employer checks it and submits it for the new year's schools to approve)."""
    source = await latest(source_slot_id, conn)
    if source is None:
        return
    values = {name: getattr(source, name) for name in TEXT_FIELDS}
    await RiskAssessment.create(
        slot_id=copy_id,
        version=1,
        status=AssessmentStatus.DRAFT,
        hazards=source.hazards,
        supervisor_years=source.supervisor_years,
        using_db=conn,
        **values,
    )


async def age_errors(slot_id: int, min_age: int) -> list[DomainError]:
    """A slot's minimum age may not go below what its current assessment's answers allow."""
    found = await current(slot_id)
    needed = hazards.required_age(hazards.parse_answers(found.hazards or {})) if found else 0
    if min_age >= needed:
        return []
    message = (
        f"Riskbedömningen kräver att eleverna har fyllt {needed} år. Ändra riskbedömningen "
        "först om arbetet nu passar yngre elever."
    )
    return [DomainError.of(ErrorCode.INVALID, "min_age", message)]
