"""What the risk assessment's pages show: the employer's view of her slot's assessment (with the
schools' change requests), and a reviewer's list and detail (a coordinator for her school, an
organiser admin for the whole organiser). The rules stay in prao.services.risk_assessment; no
pupil is named on these pages, so nothing of a pupil is read."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from prao import hazards
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    AssessmentReview,
    AssessmentStatus,
    Booking,
    Employer,
    Organiser,
    ReviewDecision,
    RiskAssessment,
    School,
    Slot,
)
from prao.services import risk_assessment
from prao.services.risk_assessment import AssessmentInput, Reviewer
from prao.services.slots import own_slot
from prao.validation import valid_id

STATE_TEXT = {
    None: "Väntar på granskning",
    ReviewDecision.APPROVED: "Godkänd",
    ReviewDecision.CHANGE_REQUESTED: "Ändring begärd",
}


@dataclass(frozen=True)
class HazardLine:
    hazard: hazards.Hazard
    present: bool | None
    measure: str

    @property
    def raises_age(self) -> bool:
        return bool(self.present and self.hazard.min_age)


def hazard_lines(row: RiskAssessment) -> list[HazardLine]:
    stored = row.hazards or {}
    lines = []
    for hazard in hazards.HAZARDS:
        given = stored.get(hazard.code) or {}
        present = given.get("present")
        lines.append(
            HazardLine(
                hazard,
                present if isinstance(present, bool) else None,
                str(given.get("measure") or ""),
            )
        )
    return lines


@dataclass(frozen=True)
class ChangeRequest:
    asked_by: str  # the organiser's name, or "En skola" (a workplace learns no school's name)
    comment: str
    review: AssessmentReview


@dataclass
class EmployerAssessment:
    slot: Slot
    current: RiskAssessment | None
    draft: RiskAssessment | None
    form: AssessmentInput
    approvals: int = 0  # schools (or the organiser) that approved the current version
    change_requests: list[ChangeRequest] = field(default_factory=list)

    @property
    def required_age(self) -> int:
        return risk_assessment.required_age(self.current) if self.current else 0

    @property
    def age_reasons(self) -> list[str]:
        if self.current is None:
            return []
        return hazards.age_reasons(risk_assessment.answers_of(self.current))


async def employer_view(actor: Actor, slot_id: int) -> EmployerAssessment | None:
    """The employer's own slot's assessment; None when the slot is not hers."""
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return None
    current = await risk_assessment.current(slot.id)
    found = await risk_assessment.drafts([slot.id])
    draft = found.get(slot.id)
    view = EmployerAssessment(slot, current, draft, await risk_assessment.start_input(slot))
    if current is None:
        return view
    reviews = (await risk_assessment.reviews_of([current.id]))[current.id]
    organiser = await Organiser.get(employers__id=slot.employer_id)
    # Each school's (and the organiser's) latest word on this version.
    latest: dict[int | None, AssessmentReview] = {}
    for review in reviews:
        latest[review.school_id] = review
    view.approvals = sum(r.decision == ReviewDecision.APPROVED for r in latest.values())
    view.change_requests = [
        ChangeRequest(organiser.name if r.school_id is None else "En skola", r.comment, r)
        for r in latest.values()
        if r.decision == ReviewDecision.CHANGE_REQUESTED
    ]
    return view


@dataclass(frozen=True)
class ReviewRow:
    slot: Slot  # with its employer
    assessment: RiskAssessment | None  # the current version; None: none submitted yet
    decision: ReviewDecision | None
    booked: int  # the reviewer's pupils booked on it (all schools' for the organiser)

    @property
    def state(self) -> str:
        if self.assessment is None:
            return "Ingen riskbedömning än"
        return STATE_TEXT[self.decision]

    @property
    def waiting(self) -> bool:
        return self.assessment is not None and self.decision is None


async def review_list(actor: Actor) -> list[ReviewRow] | None:
    """A coordinator's: every slot her school's pupils are booked on (pending or confirmed);
    an organiser admin's: every slot with a booking or a submitted assessment. Waiting first.
    None for anyone who reviews nothing."""
    who = risk_assessment.reviewer(actor)
    if who is None or actor.is_token:
        return None
    bookings = Booking.filter(status__in=list(ACTIVE_BOOKING_STATUSES))
    if who.school_id is not None:
        bookings = bookings.filter(pupil__school_id=who.school_id)
    else:
        bookings = bookings.filter(pupil__school__organiser_id=who.organiser_id)
    counted = await bookings.group_by("slot_id").annotate(n=Count("id")).values_list("slot_id", "n")
    booked = {int(s): int(n) for s, n in counted}
    listed = Q(id__in=sorted(booked))
    if who.school_id is None:
        assessed = RiskAssessment.filter(status=AssessmentStatus.SUBMITTED).values("slot_id")
        listed |= Q(id__in=Subquery(assessed))
    readable = Slot.filter(risk_assessment.readable_slots_q(actor)).filter(listed)
    slots = await readable.select_related("employer").order_by("start_date", "title", "id")
    current = await risk_assessment.current_versions(s.id for s in slots)
    reviews = await risk_assessment.reviews_of(a.id for a in current.values())
    rows = []
    for slot in slots:
        found = current.get(slot.id)
        review = (
            risk_assessment.review_for(reviews[found.id], who.school_id, who.organiser_id)
            if found
            else None
        )
        rows.append(
            ReviewRow(slot, found, review.decision if review else None, booked.get(slot.id, 0))
        )
    return sorted(rows, key=lambda r: (not r.waiting, r.assessment is None))


@dataclass
class ReviewDetail:
    assessment: RiskAssessment
    slot: Slot
    employer: Employer
    current: bool  # whether it is still the slot's current version
    reviewer: Reviewer
    decision: ReviewDecision | None
    reviews: list[AssessmentReview]
    organiser_name: str
    school_names: dict[int, str]

    @property
    def lines(self) -> list[HazardLine]:
        return hazard_lines(self.assessment)

    @property
    def required_age(self) -> int:
        return risk_assessment.required_age(self.assessment)

    @property
    def state(self) -> str:
        return STATE_TEXT[self.decision]

    def decided_by(self, review: AssessmentReview) -> str:
        if review.school_id is None:
            return f"{self.organiser_name} (alla skolor)"
        return self.school_names.get(review.school_id, "En skola")


async def review_detail(actor: Actor, assessment_id: int) -> Outcome[ReviewDetail]:
    """One version as a reviewer reads it, with what has been decided on it."""
    who = risk_assessment.reviewer(actor)
    if who is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    found = (
        await risk_assessment.assessments(actor).get_or_none(id=assessment_id)
        if valid_id(assessment_id)
        else None
    )
    if found is None:
        return Outcome(
            errors=[DomainError.of(ErrorCode.NOT_FOUND, None, risk_assessment.NO_ASSESSMENT)]
        )
    slot = await Slot.get(id=found.slot_id).select_related("employer")
    current = await risk_assessment.current(slot.id)
    reviews = risk_assessment.visible_reviews(
        actor, (await risk_assessment.reviews_of([found.id]))[found.id]
    )
    review = risk_assessment.review_for(reviews, who.school_id, who.organiser_id)
    organiser = await Organiser.get(id=who.organiser_id)
    ids = {r.school_id for r in reviews if r.school_id is not None}
    names = dict(await School.filter(id__in=ids).values_list("id", "name")) if ids else {}
    return Outcome(
        value=ReviewDetail(
            assessment=found,
            slot=slot,
            employer=slot.employer,
            current=current is not None and current.id == found.id,
            reviewer=who,
            decision=review.decision if review else None,
            reviews=reviews,
            organiser_name=organiser.name,
            school_names={int(k): str(v) for k, v in names.items()},
        )
    )
