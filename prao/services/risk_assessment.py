"""A slot's risk assessment (riskbedömning) and the schools' reviews of it.

The employer writes it (only the slot's own employer); each submitted version is kept as it
was sent, and a change is the next version, a draft until submitted, which then needs a new
approval. A "yes" that Arbetsmiljöverket's rules forbid below 16 (prao.hazards) raises the
slot's minimum age when the version is submitted. A coordinator reviews for her school, an
organiser admin (or an organiser's API token) once for every school of the organiser; asking
for a change e-mails the employer, who sees the comment on the slot's page.

"Current" is the latest submitted version of a slot; its review for a school is the latest
review of that version by the school or by the school's whole organiser (prao.readiness).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from prao import audit, clock, hazards, notices, policy
from prao.actor import Actor
from prao.config import current_settings
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    AssessmentReview,
    AssessmentStatus,
    Booking,
    Employer,
    Organiser,
    Permission,
    ReviewDecision,
    RiskAssessment,
    Role,
    Slot,
    User,
)
from prao.services import assessment_input
from prao.services.assessment_input import AssessmentInput as AssessmentInput
from prao.services.assessment_input import HazardAnswer as HazardAnswer
from prao.services.assessment_versions import copy_as_draft as copy_as_draft
from prao.services.assessment_versions import current as current
from prao.services.assessment_versions import current_versions as current_versions
from prao.services.assessment_versions import drafts as drafts
from prao.services.assessment_versions import latest as latest
from prao.services.slots import SLOT_NOT_FOUND, own_slot
from prao.validation import clean_text, text_problem, valid_id

MAX_COMMENT = 2000
NO_ASSESSMENT = "Det finns ingen inskickad riskbedömning."
OUTDATED = (
    "Arbetsplatsen har skickat in en ny version sedan du öppnade riskbedömningen. "
    "Läs den nya versionen."
)
FORM_PATH = "/arbetsgivare/platser/{slot_id}/riskbedomning"


def form_url(slot_id: int) -> str:
    return current_settings().base_url.rstrip("/") + FORM_PATH.format(slot_id=slot_id)


# --- reading -------------------------------------------------------------------------------


def _booked_by_school(school_id: int) -> Q:
    booked = Booking.filter(
        pupil__school_id=school_id, status__in=list(ACTIVE_BOOKING_STATUSES)
    ).values("slot_id")
    return Q(id__in=Subquery(booked))


def readable_slots_q(actor: Actor) -> Q:
    """Slots whose assessment the actor may read: the employer's own; for a school's staff,
    those its pupils are booked on (pending or confirmed) and those open to the school; for an
    organiser's admins and tokens, every slot of the organiser's employers. Pupils: none."""
    if actor.is_pupil or actor.is_anonymous or not actor.may(Permission.READ):
        return policy.NOTHING
    if actor.role is Role.EMPLOYER:
        return policy.slots_q(actor)
    if not actor.is_school_staff or actor.organiser_id is None:
        return policy.NOTHING
    if actor.school_id is not None:
        booked = _booked_by_school(actor.school_id) & Q(employer__organiser_id=actor.organiser_id)
        return policy.slots_q(actor) | booked
    return policy.slots_q(actor)


def assessments(actor: Actor) -> QuerySet[RiskAssessment]:
    """The versions the actor may read: submitted ones, and the employer's own drafts too."""
    slot_ids = Slot.filter(readable_slots_q(actor)).values("id")
    found = RiskAssessment.filter(slot_id__in=Subquery(slot_ids))
    if actor.role is Role.EMPLOYER:
        return found
    return found.filter(status=AssessmentStatus.SUBMITTED)


@dataclass(frozen=True)
class Reviewer:
    """For whom a review is made: one school, or (school None) every school of the organiser."""

    organiser_id: int
    school_id: int | None


def reviewer(actor: Actor) -> Reviewer | None:
    """Coordinators and school tokens review for their school; organiser admins and organiser
    tokens for the whole organiser; no one else reviews."""
    if actor.organiser_id is None or not actor.is_school_staff:
        return None
    if actor.role is Role.COORDINATOR and actor.school_id is None:
        return None
    return Reviewer(actor.organiser_id, actor.school_id)


def applies(review: AssessmentReview, school_id: int | None, organiser_id: int) -> bool:
    """Whether a review counts for this school (None: for the organiser as a whole)."""
    if review.organiser_id != organiser_id:
        return False
    return review.school_id is None or (school_id is not None and review.school_id == school_id)


async def reviews_of(assessment_ids: Iterable[int]) -> dict[int, list[AssessmentReview]]:
    """Each version's reviews, oldest first."""
    wanted = sorted(set(assessment_ids))
    found: dict[int, list[AssessmentReview]] = {i: [] for i in wanted}
    if wanted:
        rows = await AssessmentReview.filter(assessment_id__in=wanted).order_by("decided_at", "id")
        for row in rows:
            found[row.assessment_id].append(row)
    return found


def review_for(
    reviews: list[AssessmentReview], school_id: int | None, organiser_id: int
) -> AssessmentReview | None:
    """The latest review that counts for the school (or the organiser as a whole)."""
    counted = [r for r in reviews if applies(r, school_id, organiser_id)]
    return counted[-1] if counted else None


def visible_reviews(actor: Actor, reviews: list[AssessmentReview]) -> list[AssessmentReview]:
    """The employer sees every review of its assessment (and no school's name: prao.policy);
    a school's staff their school's and the organiser's; the organiser's, all of its own."""
    if actor.role is Role.EMPLOYER:
        return reviews
    if actor.organiser_id is None:
        return []
    mine = [r for r in reviews if r.organiser_id == actor.organiser_id]
    if actor.school_id is not None:
        return [r for r in mine if r.school_id in (None, actor.school_id)]
    return mine


# --- the employer writes -------------------------------------------------------------------


def hazard_codes() -> list[str]:
    return [h.code for h in hazards.HAZARDS]


async def start_input(slot: Slot) -> AssessmentInput:
    """What the form starts from: the newest version, else the slot's tasks."""
    found = await latest(slot.id)
    return AssessmentInput.of(found) if found is not None else AssessmentInput(tasks=slot.tasks)


async def _writable_slot(actor: Actor, slot_id: int) -> Slot | DomainError:
    if refusal := policy.lacks_write(actor, "slot_id"):
        return refusal
    if actor.role is not Role.EMPLOYER:
        return DomainError.of(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    return slot


async def save_draft(actor: Actor, slot_id: int, data: AssessmentInput) -> Outcome[RiskAssessment]:
    """Keep what she has written so far; schools still see the last submitted version."""
    return await _write(actor, slot_id, data, submit=False)


async def submit(actor: Actor, slot_id: int, data: AssessmentInput) -> Outcome[RiskAssessment]:
    """Send a complete version to the schools. Unchanged from the current version, nothing
    new is made (no new approval is needed); otherwise it is the next version."""
    return await _write(actor, slot_id, data, submit=True)


def input_errors(data: AssessmentInput, *, submit: bool) -> list[DomainError]:
    """Every rule the input breaks, one error per field at most; nothing is written."""
    errors = assessment_input.storable_errors(data)
    if submit:
        bad = {e.field for e in errors}
        errors += [e for e in assessment_input.complete_errors(data) if e.field not in bad]
    return errors


async def _write(
    actor: Actor, slot_id: int, data: AssessmentInput, *, submit: bool
) -> Outcome[RiskAssessment]:
    slot = await _writable_slot(actor, slot_id)
    if isinstance(slot, DomainError):
        return Outcome(errors=[slot])
    errors = input_errors(data, submit=submit)
    if errors:
        return Outcome(errors=errors)
    values = assessment_input.columns(data)
    try:
        async with in_transaction() as conn:
            row = await _store(actor, slot, values, submit, conn)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return Outcome(value=row)


async def _store(
    actor: Actor, slot: Slot, values: dict[str, object], submit: bool, conn: BaseDBAsyncClient
) -> RiskAssessment:
    # The slot's row is the lock every writer of its versions and reviews takes first.
    await Slot.filter(id=slot.id).using_db(conn).select_for_update().values_list("id")
    newest = await latest(slot.id, conn)
    unchanged = newest is not None and assessment_input.same_content(newest, values)
    if submit and newest is not None and newest.status == AssessmentStatus.SUBMITTED and unchanged:
        return newest  # nothing changed: the version and its approvals stand
    now = clock.now()
    status = AssessmentStatus.SUBMITTED if submit else AssessmentStatus.DRAFT
    stamps: dict[str, object] = {"submitted_by": actor.label, "submitted_at": now} if submit else {}
    if newest is not None and newest.status == AssessmentStatus.DRAFT:
        await (
            RiskAssessment.filter(id=newest.id)
            .using_db(conn)
            .update(status=status, updated_at=now, **values, **stamps)
        )
        row = await RiskAssessment.get(id=newest.id, using_db=conn)
    else:
        version = (newest.version if newest is not None else 0) + 1
        row = await RiskAssessment.create(
            slot_id=slot.id, version=version, status=status, using_db=conn, **values, **stamps
        )
    if submit:
        await _raise_age(slot, row, conn)
    action = "submit" if submit else "save_draft"
    await audit.record(
        actor, action, "risk_assessment", connection=conn, slot_id=slot.id, version=row.version
    )
    return row


def answers_of(row: RiskAssessment) -> dict[str, hazards.Answer]:
    return hazards.parse_answers(row.hazards or {})


def required_age(row: RiskAssessment) -> int:
    return hazards.required_age(answers_of(row))


async def _raise_age(slot: Slot, row: RiskAssessment, conn: BaseDBAsyncClient) -> None:
    """Pupils younger than the answers allow can no longer book the slot (never lowered here:
    the employer lowers it herself, if a later version allows it)."""
    needed = required_age(row)
    if needed > slot.min_age:
        await (
            Slot.filter(id=slot.id, min_age__lt=needed)
            .using_db(conn)
            .update(min_age=needed, updated_at=clock.now())
        )


# --- the schools review ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewed:
    assessment: RiskAssessment
    review: AssessmentReview


async def approve(actor: Actor, assessment_id: int) -> Outcome[Reviewed]:
    """Approve the version for the reviewer's school (or the whole organiser). Approving what
    is approved already changes nothing."""
    return await _review(actor, assessment_id, ReviewDecision.APPROVED, "")


async def request_change(actor: Actor, assessment_id: int, comment: str) -> Outcome[Reviewed]:
    """Ask the employer to change the assessment: the comment is required, e-mailed to the
    employer and shown on its slot's page."""
    return await _review(actor, assessment_id, ReviewDecision.CHANGE_REQUESTED, comment)


def _comment_problem(comment: str) -> str | None:
    if problem := text_problem(comment, MAX_COMMENT):
        return problem
    return None if clean_text(comment) else "Skriv vad arbetsplatsen behöver ändra."


async def _reviewable(actor: Actor, assessment_id: int) -> RiskAssessment | DomainError:
    if refusal := policy.lacks_write(actor, "assessment_id"):
        return refusal
    if reviewer(actor) is None:
        return DomainError.of(ErrorCode.FORBIDDEN, "assessment_id")
    found = (
        await assessments(actor).get_or_none(id=assessment_id) if valid_id(assessment_id) else None
    )
    if found is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "assessment_id", NO_ASSESSMENT)
    return found


async def _review(
    actor: Actor, assessment_id: int, decision: ReviewDecision, comment: str
) -> Outcome[Reviewed]:
    found = await _reviewable(actor, assessment_id)
    if isinstance(found, DomainError):
        return Outcome(errors=[found])
    if decision is ReviewDecision.CHANGE_REQUESTED and (problem := _comment_problem(comment)):
        return Outcome.fail(ErrorCode.INVALID, "comment", problem)
    who = reviewer(actor)
    assert who is not None
    try:
        async with in_transaction() as conn:
            review = await _decide(actor, found, who, decision, clean_text(comment), conn)
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return Outcome(value=Reviewed(await RiskAssessment.get(id=found.id), review))


async def _decide(
    actor: Actor,
    found: RiskAssessment,
    who: Reviewer,
    decision: ReviewDecision,
    comment: str,
    conn: BaseDBAsyncClient,
) -> AssessmentReview:
    await Slot.filter(id=found.slot_id).using_db(conn).select_for_update().values_list("id")
    now_current = await current(found.slot_id, conn)
    if now_current is None or now_current.id != found.id:
        raise Refused(DomainError.of(ErrorCode.ASSESSMENT_OUTDATED, "assessment_id", OUTDATED))
    if decision is ReviewDecision.APPROVED:
        reviews = (
            await AssessmentReview.filter(assessment_id=found.id)
            .using_db(conn)
            .order_by("decided_at", "id")
        )
        standing = review_for(list(reviews), who.school_id, who.organiser_id)
        if standing is not None and (standing.decision, standing.school_id) == (
            decision,
            who.school_id,
        ):
            return standing  # approved already: nothing to do
    review = await AssessmentReview.create(
        assessment_id=found.id,
        organiser_id=who.organiser_id,
        school_id=who.school_id,
        decision=decision,
        comment=comment,
        decided_by=actor.label,
        using_db=conn,
    )
    # A review is a change of what school systems sync (riskAssessments(updatedSince:)).
    await RiskAssessment.filter(id=found.id).using_db(conn).update(updated_at=clock.now())
    action = "approve" if decision is ReviewDecision.APPROVED else "request_change"
    await audit.record(
        actor,
        action,
        "risk_assessment",
        connection=conn,
        slot_id=found.slot_id,
        version=found.version,
        school_id=who.school_id,
    )
    if decision is ReviewDecision.CHANGE_REQUESTED:
        await _tell_employer(found, who, comment, conn)
    return review


async def _tell_employer(
    found: RiskAssessment, who: Reviewer, comment: str, conn: BaseDBAsyncClient
) -> None:
    """To the workplace's contact and to whoever submitted the version. The school is not
    named: a workplace may not learn a protected pupil's school from it (DESIGN.md §7)."""
    slot = await Slot.get(id=found.slot_id, using_db=conn)
    employer = await Employer.get(id=slot.employer_id, using_db=conn)
    addresses = [employer.contact_email]
    kind, _, pk = found.submitted_by.partition(":")
    if kind == "user" and pk.isdigit() and valid_id(int(pk)):
        submitter = await User.get_or_none(id=int(pk), employer_id=employer.id, using_db=conn)
        addresses.append(submitter.email if submitter is not None else None)
    organiser = await Organiser.get(id=who.organiser_id, using_db=conn)
    asked_by = organiser.name if who.school_id is None else "En skola"
    for address in sorted({a.strip().lower() for a in addresses if a and a.strip()}):
        await notices.assessment_change_requested(
            email=address,
            slot_title=slot.title,
            version=found.version,
            asked_by=asked_by,
            comment=comment,
            url=form_url(slot.id),
            connection=conn,
        )


# --- what the adapters list ------------------------------------------------------------------


@dataclass(frozen=True)
class SlotAssessment:
    current: RiskAssessment | None  # the latest submitted version
    draft: RiskAssessment | None  # the employer's own open draft (None for anyone else)


async def for_slots(actor: Actor, slot_ids: Iterable[int]) -> dict[int, SlotAssessment]:
    """The assessment of each slot the actor may read it of, in three queries for any number."""
    wanted = sorted({i for i in slot_ids if valid_id(i)})
    if not wanted:
        return {}
    readable = await Slot.filter(readable_slots_q(actor), id__in=wanted).values_list(
        "id", flat=True
    )
    ids = [int(i) for i in readable]  # type: ignore[call-overload]
    found = await current_versions(ids)
    open_drafts = await drafts(ids) if actor.role is Role.EMPLOYER else {}
    return {i: SlotAssessment(found.get(i), open_drafts.get(i)) for i in ids}


def listed(actor: Actor, period_id: int | None = None) -> QuerySet[RiskAssessment]:
    """Submitted versions the actor may read (an employer's drafts too), for school systems:
    with a period, those of slots the period's pupils are booked on (pending or confirmed),
    where the actor may see the period."""
    found = assessments(actor)
    if period_id is None:
        return found
    if not valid_id(period_id):
        return found.filter(policy.NOTHING)
    booked = Booking.filter(
        period_id=period_id,
        period_id__in=Subquery(policy.periods(actor).values("id")),
        status__in=list(ACTIVE_BOOKING_STATUSES),
    ).values("slot_id")
    return found.filter(slot_id__in=Subquery(booked))
