"""The risk assessment over GraphQL: the employer submits it, schools approve it or ask for a
change, school systems read it by period with updatedSince. Thin calls into
prao.services.risk_assessment, which holds the rules and decides who may."""

from __future__ import annotations

import strawberry

from api.assessment_types import (
    MAX_HAZARD_ANSWERS,
    ApproveRiskAssessmentInput,
    RequestRiskAssessmentChangeInput,
    ReviewRiskAssessmentPayload,
    RiskAssessment,
    RiskAssessmentError,
    RiskAssessmentReview,
    SubmitRiskAssessmentInput,
    SubmitRiskAssessmentPayload,
)
from api.connections import (
    After,
    Before,
    First,
    Last,
    PageArgs,
    RiskAssessmentConnection,
    UpdatedSince,
    connection,
)
from api.context import Info
from api.inputs import id_of, moment, text_of
from api.mutation_errors import pk_of
from prao import hazards, models
from prao.errors import DomainError, ErrorCode, Outcome
from prao.services import risk_assessment
from prao.services.risk_assessment import AssessmentInput, HazardAnswer


def _input(data: SubmitRiskAssessmentInput) -> AssessmentInput | DomainError:
    if len(data.hazards) > MAX_HAZARD_ANSWERS:
        return DomainError.of(ErrorCode.INVALID, "hazards", f"Högst {MAX_HAZARD_ANSWERS} svar.")
    answers: dict[str, HazardAnswer] = {}
    for given in data.hazards:
        if given.code in answers:
            return DomainError.of(ErrorCode.DUPLICATE, "hazards", f"{given.code} finns två gånger.")
        answers[text_of(given.code)] = HazardAnswer(given.present, text_of(given.measure))
    return AssessmentInput(
        tasks=text_of(data.tasks),
        hazards=answers,
        supervisor_name=text_of(data.supervisor_name),
        supervisor_phone=text_of(data.supervisor_phone),
        supervisor_email=text_of(data.supervisor_email),
        supervisor_years=data.supervisor_years,
        meeting_place=text_of(data.meeting_place),
        ask_for=text_of(data.ask_for),
        clothing=text_of(data.clothing),
        lunch=text_of(data.lunch),
        emergency_name=text_of(data.emergency_name),
        emergency_phone=text_of(data.emergency_phone),
    )


def _errors(errors: list[DomainError]) -> list[RiskAssessmentError]:
    """A checklist answer's error names the input's `hazards`, and its question."""
    found = []
    for error in errors:
        field = error.field or ""
        code = field.removeprefix("hazard_").removesuffix("_measure")
        if field.startswith("hazard_") and code in hazards.BY_CODE:
            question = hazards.BY_CODE[code].question
            error = DomainError(error.code, f"{question} ({code}): {error.message}", "hazards")
        found.append(RiskAssessmentError.from_domain(error))
    return found


def _submitted(outcome: Outcome[models.RiskAssessment]) -> SubmitRiskAssessmentPayload:
    row = outcome.value
    return SubmitRiskAssessmentPayload(
        risk_assessment=RiskAssessment.from_row(row) if row is not None else None,
        errors=_errors(outcome.errors),
        slot_id=row.slot_id if row is not None else None,
    )


def _reviewed(outcome: Outcome[risk_assessment.Reviewed]) -> ReviewRiskAssessmentPayload:
    found = outcome.value
    if found is None:
        return ReviewRiskAssessmentPayload(
            risk_assessment=None, review=None, errors=_errors(outcome.errors)
        )
    review = found.review
    return ReviewRiskAssessmentPayload(
        risk_assessment=RiskAssessment.from_row(found.assessment),
        review=RiskAssessmentReview(
            decision=review.decision,
            comment=review.comment,
            decided_at=review.decided_at,
            organiser_wide=review.school_id is None,
            school_id=review.school_id,
        ),
        errors=[],
    )


@strawberry.type
class AssessmentMutation:
    @strawberry.mutation(
        description="The employer's risk assessment of one of its own slots (or a draft of it)."
    )
    async def submit_risk_assessment(
        self, info: Info, input: SubmitRiskAssessmentInput
    ) -> SubmitRiskAssessmentPayload:
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return _submitted(Outcome(errors=[slot_id]))
        data = _input(input)
        if isinstance(data, DomainError):
            return _submitted(Outcome(errors=[data]))
        write = risk_assessment.save_draft if input.draft else risk_assessment.submit
        return _submitted(await write(info.context.actor, slot_id, data))

    @strawberry.mutation(
        description="Approve the current version of a slot's assessment: a coordinator or "
        "school token for its school, an organiser admin or organiser token for every school."
    )
    async def approve_risk_assessment(
        self, info: Info, input: ApproveRiskAssessmentInput
    ) -> ReviewRiskAssessmentPayload:
        pk = pk_of(input.assessment_id, "RiskAssessment", "assessmentId")
        if isinstance(pk, DomainError):
            return _reviewed(Outcome(errors=[pk]))
        return _reviewed(await risk_assessment.approve(info.context.actor, pk))

    @strawberry.mutation(
        description="Ask the employer to change the current version; the comment is e-mailed "
        "to it and shown on its slot's page."
    )
    async def request_risk_assessment_change(
        self, info: Info, input: RequestRiskAssessmentChangeInput
    ) -> ReviewRiskAssessmentPayload:
        pk = pk_of(input.assessment_id, "RiskAssessment", "assessmentId")
        if isinstance(pk, DomainError):
            return _reviewed(Outcome(errors=[pk]))
        outcome = await risk_assessment.request_change(
            info.context.actor, pk, text_of(input.comment)
        )
        return _reviewed(outcome)


@strawberry.type
class AssessmentQuery:
    @strawberry.field(
        description="Risk assessments the caller may read: submitted versions (every version is "
        "kept; a slot's highest is its current one), an employer's drafts too. With periodId, "
        "those of slots the period's pupils are booked on.",
        graphql_type=RiskAssessmentConnection,
    )
    async def risk_assessments(
        self,
        info: Info,
        period_id: strawberry.ID | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        updated_since: UpdatedSince = None,
    ) -> RiskAssessmentConnection:
        period = id_of(period_id, "Period", "periodId")
        queryset = risk_assessment.listed(info.context.actor, period)
        return await connection(
            RiskAssessmentConnection,
            queryset,
            PageArgs(first, after, last, before),
            RiskAssessment.from_row,
            moment(updated_since) if updated_since is not None else None,
        )
