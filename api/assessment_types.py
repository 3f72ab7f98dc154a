"""GraphQL types of the risk assessment: a slot's versions, their checklist answers and the
schools' reviews; the inputs and payloads of its mutations."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.batched import loaded
from api.context import Info
from api.mutation_errors import MutationError
from api.types import School
from prao import hazards, models
from prao.services import risk_assessment

if TYPE_CHECKING:
    from api.types import Slot

MAX_HAZARD_ANSWERS = 50

RiskAssessmentStatus = models.AssessmentStatus
ReviewDecision = models.ReviewDecision
strawberry.enum(
    RiskAssessmentStatus,
    name="RiskAssessmentStatus",
    description="A DRAFT is seen by its employer only; schools see SUBMITTED versions.",
)
strawberry.enum(ReviewDecision, name="RiskAssessmentDecision")


@strawberry.enum(description="Where a version stands for the caller's school or organiser.")
class RiskAssessmentReviewState(Enum):
    WAITING = "waiting"
    APPROVED = "approved"
    CHANGE_REQUESTED = "change_requested"


@strawberry.type(description="One question of the hazard checklist and the employer's answer.")
class RiskAssessmentHazard:
    code: str
    question: str
    present: bool | None = strawberry.field(description="Null while a draft leaves it open.")
    measure: str = strawberry.field(description="What the workplace does about it, when yes.")
    min_age: int = strawberry.field(
        description="The age a yes requires (0: any); a yes raises the slot's minAge to it."
    )
    reason: str = strawberry.field(description="Why a yes requires that age, in Swedish.")


@strawberry.type(description="A school's, or (school null) the whole organiser's, decision.")
class RiskAssessmentReview:
    decision: ReviewDecision
    comment: str
    decided_at: datetime
    organiser_wide: bool = strawberry.field(description="Made once for every school.")
    school_id: strawberry.Private[int | None]

    school: School | None = loaded(
        "school", "school_id", description="Null when organiser-wide, and for an employer."
    )


def _hazards(row: models.RiskAssessment) -> list[RiskAssessmentHazard]:
    stored = row.hazards or {}
    found = []
    for hazard in hazards.HAZARDS:
        given = stored.get(hazard.code) or {}
        present = given.get("present")
        found.append(
            RiskAssessmentHazard(
                code=hazard.code,
                question=hazard.question,
                present=present if isinstance(present, bool) else None,
                measure=str(given.get("measure") or ""),
                min_age=hazard.min_age,
                reason=hazard.why,
            )
        )
    return found


@strawberry.type(description="One version of a slot's risk assessment (riskbedömning).")
class RiskAssessment(relay.Node):
    id: relay.NodeID[int]
    version: int
    status: RiskAssessmentStatus
    tasks: str
    hazards: list[RiskAssessmentHazard]
    required_age: int = strawberry.field(description="The youngest age the answers allow.")
    supervisor_name: str
    supervisor_phone: str
    supervisor_email: str
    supervisor_years: int | None = strawberry.field(description="Years at the workplace.")
    meeting_place: str = strawberry.field(description="Where the pupil meets on day one.")
    ask_for: str = strawberry.field(description="Whom the pupil asks for on day one.")
    clothing: str
    lunch: str
    emergency_name: str
    emergency_phone: str
    submitted_at: datetime | None
    updated_at: datetime = strawberry.field(description="Also moved by a new review.")
    slot_id: strawberry.Private[int]

    slot: Annotated[Slot, strawberry.lazy("api.types")] = loaded("slot", "slot_id")

    @classmethod
    def from_row(cls, row: models.RiskAssessment) -> RiskAssessment:
        return cls(
            id=row.id,
            version=row.version,
            status=RiskAssessmentStatus(row.status),
            tasks=row.tasks,
            hazards=_hazards(row),
            required_age=risk_assessment.required_age(row),
            supervisor_name=row.supervisor_name,
            supervisor_phone=row.supervisor_phone,
            supervisor_email=row.supervisor_email,
            supervisor_years=row.supervisor_years,
            meeting_place=row.meeting_place,
            ask_for=row.ask_for,
            clothing=row.clothing,
            lunch=row.lunch,
            emergency_name=row.emergency_name,
            emergency_phone=row.emergency_phone,
            submitted_at=row.submitted_at,
            updated_at=row.updated_at,
            slot_id=row.slot_id,
        )

    @strawberry.field(
        description="The reviews the caller may see, oldest first: an employer all of them "
        "(no school named), a school its own and the organiser's."
    )
    async def reviews(self, info: Info) -> list[RiskAssessmentReview]:
        actor = info.context.actor
        rows = await info.context.loaders.assessment_reviews.load(self.id)
        employer = actor.role is models.Role.EMPLOYER
        return [
            RiskAssessmentReview(
                decision=ReviewDecision(r.decision),
                comment=r.comment,
                decided_at=r.decided_at,
                organiser_wide=r.school_id is None,
                school_id=None if employer else r.school_id,
            )
            for r in risk_assessment.visible_reviews(actor, rows)
        ]

    @strawberry.field(
        description="For a school's staff or token: this version's state for the school; for "
        "an organiser's: its organiser-wide approval. Null for anyone else."
    )
    async def review_state(self, info: Info) -> RiskAssessmentReviewState | None:
        who = risk_assessment.reviewer(info.context.actor)
        if who is None or self.status is not RiskAssessmentStatus.SUBMITTED:
            return None
        rows = await info.context.loaders.assessment_reviews.load(self.id)
        review = risk_assessment.review_for(rows, who.school_id, who.organiser_id)
        if review is None:
            return RiskAssessmentReviewState.WAITING
        return RiskAssessmentReviewState(str(review.decision))


# --- mutations -------------------------------------------------------------------------------


@strawberry.type(description="Why a risk assessment mutation was refused.")
class RiskAssessmentError(MutationError):
    pass


@strawberry.input
class RiskAssessmentHazardInput:
    code: str = strawberry.field(description="A code of RiskAssessment.hazards.")
    present: bool
    measure: str = strawberry.field(default="", description="Required when present.")


@strawberry.input(
    description="The whole assessment of one's own slot. Submitted, it is the slot's next "
    "version (the same content again changes nothing) and needs the schools' approval again; "
    "a yes that requires an older pupil raises the slot's minAge."
)
class SubmitRiskAssessmentInput:
    slot_id: strawberry.ID
    tasks: str
    hazards: list[RiskAssessmentHazardInput] = strawberry.field(
        description="Every question answered (at most 50 entries)."
    )
    supervisor_name: str
    supervisor_phone: str
    supervisor_email: str
    supervisor_years: int
    meeting_place: str
    ask_for: str
    emergency_name: str
    emergency_phone: str
    clothing: str = ""
    lunch: str = ""
    draft: bool = strawberry.field(
        default=False, description="Only save it as a draft: nothing is checked for completeness."
    )


@strawberry.type
class SubmitRiskAssessmentPayload:
    risk_assessment: RiskAssessment | None
    errors: list[RiskAssessmentError]
    slot_id: strawberry.Private[int | None] = None

    @strawberry.field(
        graphql_type=Annotated["Slot", strawberry.lazy("api.types")] | None,
        description="The slot, with its minAge as the answers left it.",
    )
    def slot(self, info: Info) -> Awaitable[Slot] | None:
        if self.slot_id is None:
            return None
        found: Awaitable[Slot] = info.context.loaders.slot.load(self.slot_id)
        return found


@strawberry.input(description="Approve the current version for one's school, or organiser.")
class ApproveRiskAssessmentInput:
    assessment_id: strawberry.ID


@strawberry.input
class RequestRiskAssessmentChangeInput:
    assessment_id: strawberry.ID
    comment: str = strawberry.field(description="Required; e-mailed to the employer.")


@strawberry.type
class ReviewRiskAssessmentPayload:
    risk_assessment: RiskAssessment | None
    review: RiskAssessmentReview | None
    errors: list[RiskAssessmentError]
