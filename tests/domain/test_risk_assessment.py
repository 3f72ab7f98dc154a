"""The risk assessment's rules one by one: versions, the age a forbidden answer requires, the
schools' and the organiser's approvals, change requests by e-mail, who may do what (refused:
nothing changed), and bad input with a clear error per field."""

from __future__ import annotations

from typing import Any

import pytest

from prao.actor import Actor
from prao.errors import ErrorCode
from prao.models import (
    AssessmentReview,
    AssessmentStatus,
    AuditEvent,
    Booking,
    BookingOrigin,
    BookingStatus,
    OutboxMessage,
    Permission,
    ReviewDecision,
    RiskAssessment,
    Role,
    Slot,
)
from prao.services import risk_assessment, slots
from prao.services.booking import book_slot
from tests import factories
from tests.assessments import complete, submitted
from tests.factories import World


async def _rows() -> list[Any]:
    return [
        await RiskAssessment.all().order_by("id").values_list("id", "version", "status", "tasks"),
        await AssessmentReview.all().order_by("id").values_list("id", "decision", "school_id"),
        await Slot.all().order_by("id").values_list("id", "min_age"),
        await OutboxMessage.all().count(),
    ]


def _school_token(world: World, **kw: Any) -> Actor:
    return Actor(
        kind="token", id=1, school_id=world.school_a.id, organiser_id=world.organiser.id, **kw
    )


def _organiser_token(world: World) -> Actor:
    return Actor(kind="token", id=2, organiser_id=world.organiser.id)


async def _state(assessment: RiskAssessment, school_id: int | None, organiser_id: int) -> Any:
    reviews = (await risk_assessment.reviews_of([assessment.id]))[assessment.id]
    review = risk_assessment.review_for(reviews, school_id, organiser_id)
    return review.decision if review else None


async def test_a_complete_submission_is_version_one_and_audited(world: World) -> None:
    employer = await world.actor(world.employer_user)
    row = await submitted(employer, world.slot)
    assert (row.version, row.status) == (1, AssessmentStatus.SUBMITTED)
    assert row.submitted_by == employer.label and row.submitted_at is not None
    assert row.hazards["machines"] == {"present": False, "measure": ""}
    assert await risk_assessment.current(world.slot.id) == row
    event = await AuditEvent.get(action="submit")
    assert (event.object_type, event.detail["version"]) == ("risk_assessment", 1)


async def test_a_draft_may_be_incomplete_but_a_submission_may_not(world: World) -> None:
    employer = await world.actor(world.employer_user)
    draft = await risk_assessment.save_draft(
        employer, world.slot.id, risk_assessment.AssessmentInput(tasks="Hälften")
    )
    assert draft.value is not None and draft.value.status == AssessmentStatus.DRAFT
    assert await risk_assessment.current(world.slot.id) is None  # schools see nothing yet
    before = await _rows()
    refused = await risk_assessment.submit(
        employer, world.slot.id, risk_assessment.AssessmentInput(tasks="Hälften")
    )
    fields = {e.field for e in refused.errors}
    assert {"supervisor_name", "meeting_place", "emergency_phone", "supervisor_years"} <= fields
    assert {f"hazard_{code}" for code in ("machines", "public")} <= fields
    assert all(e.message.endswith(".") for e in refused.errors)
    assert await _rows() == before


async def test_a_yes_needs_its_measure(world: World) -> None:
    employer = await world.actor(world.employer_user)
    data = complete()
    data.hazards["noise"] = risk_assessment.HazardAnswer(True, "  ")
    refused = await risk_assessment.submit(employer, world.slot.id, data)
    [error] = refused.errors
    assert error.field == "hazard_noise_measure" and "åtgärd" in error.message


async def test_a_forbidden_hazard_raises_the_slots_minimum_age(world: World) -> None:
    employer = await world.actor(world.employer_user)
    row = await submitted(employer, world.slot, yes=("machines",))
    assert risk_assessment.required_age(row) == 16
    assert (await Slot.get(id=world.slot.id)).min_age == 16
    # An eighth-grader can no longer book it.
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert [e.code for e in outcome.errors] == [ErrorCode.TOO_YOUNG]


async def test_the_slot_form_cannot_lower_the_age_below_the_assessment(world: World) -> None:
    employer = await world.actor(world.employer_user)
    await submitted(employer, world.slot, yes=("violence",))
    data = slots.SlotInput.from_slot(await Slot.get(id=world.slot.id), [])
    data.min_age = 15
    refused = await slots.update_slot(employer, world.slot.id, data)
    [error] = refused.errors
    assert (error.code, error.field) == (ErrorCode.INVALID, "min_age")
    assert "fyllt 16 år" in error.message
    assert (await Slot.get(id=world.slot.id)).min_age == 16
    data.min_age = 17
    assert (await slots.update_slot(employer, world.slot.id, data)).ok


async def test_an_allowed_hazard_and_a_draft_leave_the_age(world: World) -> None:
    employer = await world.actor(world.employer_user)
    await submitted(employer, world.slot, yes=("noise", "public"))
    assert (await Slot.get(id=world.slot.id)).min_age == 0
    await risk_assessment.save_draft(employer, world.slot.id, complete(yes=("chemicals",)))
    assert (await Slot.get(id=world.slot.id)).min_age == 0


async def test_a_higher_minimum_age_is_kept(world: World) -> None:
    await Slot.filter(id=world.slot.id).update(min_age=18)
    await submitted(await world.actor(world.employer_user), world.slot, yes=("heights",))
    assert (await Slot.get(id=world.slot.id)).min_age == 18


async def test_a_changed_assessment_needs_a_new_approval(world: World) -> None:
    employer = await world.actor(world.employer_user)
    coordinator = await world.actor(world.coordinator_a)
    first = await submitted(employer, world.slot)
    approved = await risk_assessment.approve(coordinator, first.id)
    assert approved.ok, approved.errors
    assert await _state(first, world.school_a.id, world.organiser.id) is ReviewDecision.APPROVED
    # The same content again makes no new version: the approval stands.
    again = await submitted(employer, world.slot)
    assert again.id == first.id
    # A change is version 2, waiting for the school again; version 1 is kept as it was.
    second = await submitted(employer, world.slot, tasks="Nya uppgifter")
    assert (second.version, second.status) == (2, AssessmentStatus.SUBMITTED)
    assert await _state(second, world.school_a.id, world.organiser.id) is None
    assert (await RiskAssessment.get(id=first.id)).tasks == "Plocka varor, prata med kunder"
    # Approving the old version now is refused: the school must read the new one.
    late = await risk_assessment.approve(coordinator, first.id)
    assert [e.code for e in late.errors] == [ErrorCode.ASSESSMENT_OUTDATED]


async def test_a_change_after_submission_is_a_draft_until_submitted(world: World) -> None:
    employer = await world.actor(world.employer_user)
    first = await submitted(employer, world.slot)
    draft = await risk_assessment.save_draft(employer, world.slot.id, complete(tasks="Ändrat"))
    assert draft.value is not None
    assert (draft.value.version, draft.value.status) == (2, AssessmentStatus.DRAFT)
    assert await risk_assessment.current(world.slot.id) == first
    coordinator = await world.actor(world.coordinator_a)
    assert await risk_assessment.assessments(coordinator).filter(id=draft.value.id).count() == 0
    assert await risk_assessment.assessments(employer).filter(id=draft.value.id).count() == 1
    # Submitting the draft turns that same row into version 2.
    done = await submitted(employer, world.slot, tasks="Ändrat")
    assert done.id == draft.value.id and done.status == AssessmentStatus.SUBMITTED


async def test_approving_twice_changes_nothing(world: World) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    coordinator = await world.actor(world.coordinator_a)
    assert (await risk_assessment.approve(coordinator, first.id)).ok
    assert (await risk_assessment.approve(coordinator, first.id)).ok
    assert await AssessmentReview.all().count() == 1


async def test_the_organisers_approval_counts_for_every_school(world: World) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    admin = await world.actor(world.admin)
    outcome = await risk_assessment.approve(admin, first.id)
    assert outcome.value is not None and outcome.value.review.school_id is None
    for school in (world.school_a, world.school_b):
        assert await _state(first, school.id, world.organiser.id) is ReviewDecision.APPROVED
    # Not for another organiser's schools.
    assert await _state(first, world.school_x.id, world.other_organiser.id) is None
    # A school's own later decision outweighs it for that school only.
    coordinator = await world.actor(world.coordinator_a)
    asked = await risk_assessment.request_change(coordinator, first.id, "Saknar nödnummer")
    assert asked.ok
    assert (
        await _state(first, world.school_a.id, world.organiser.id)
        is ReviewDecision.CHANGE_REQUESTED
    )
    assert await _state(first, world.school_b.id, world.organiser.id) is ReviewDecision.APPROVED


async def test_tokens_approve_for_their_school_or_organiser(world: World) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    by_school = await risk_assessment.approve(_school_token(world), first.id)
    assert by_school.value is not None and by_school.value.review.school_id == world.school_a.id
    by_organiser = await risk_assessment.approve(_organiser_token(world), first.id)
    assert by_organiser.value is not None and by_organiser.value.review.school_id is None
    read_only = _school_token(world, permissions=frozenset({Permission.READ}))
    refused = await risk_assessment.approve(read_only, first.id)
    assert [e.code for e in refused.errors] == [ErrorCode.FORBIDDEN]


async def test_a_change_request_emails_the_employer(world: World) -> None:
    employer = await world.actor(world.employer_user)
    first = await submitted(employer, world.slot)
    coordinator = await world.actor(world.coordinator_a)
    outcome = await risk_assessment.request_change(
        coordinator, first.id, "  Beskriv hur eleven lyfter.  "
    )
    assert outcome.value is not None
    review = outcome.value.review
    assert (review.decision, review.comment) == (
        ReviewDecision.CHANGE_REQUESTED,
        "Beskriv hur eleven lyfter.",
    )
    mails = await OutboxMessage.filter(kind="assessment_change_requested").order_by("to_address")
    addresses = {m.to_address for m in mails}
    assert addresses == {world.employer.contact_email, world.employer_user.email}
    body = mails[0].body
    assert "Beskriv hur eleven lyfter." in body
    assert f"/arbetsgivare/platser/{world.slot.id}/riskbedomning" in body
    assert "Skola A" not in body and "Skola A" not in mails[0].subject
    assert await AuditEvent.filter(action="request_change").count() == 1


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("", "Skriv vad arbetsplatsen behöver ändra."),
        ("   ", "Skriv vad arbetsplatsen behöver ändra."),
        ("Nej\x00", "Texten innehåller tecken som inte går att spara."),
        ("x" * 2001, "Högst 2000 tecken."),
    ],
)
async def test_a_change_request_needs_a_storable_comment(
    world: World, comment: str, message: str
) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    before = await _rows()
    refused = await risk_assessment.request_change(
        await world.actor(world.coordinator_a), first.id, comment
    )
    assert [(e.code, e.field, e.message) for e in refused.errors] == [
        (ErrorCode.INVALID, "comment", message)
    ]
    assert await _rows() == before


async def test_another_employer_cannot_write_it(world: World) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    before = await _rows()
    for other in (world.other_employer_user, await factories_employer_user(world)):
        outcome = await risk_assessment.submit(
            await world.actor(other), world.slot.id, complete(tasks="Kapat")
        )
        assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]
    for staff in (world.coordinator_a, world.admin):
        outcome = await risk_assessment.submit(await world.actor(staff), world.slot.id, complete())
        assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]
    assert await _rows() == before
    assert (await RiskAssessment.get(id=first.id)).tasks != "Kapat"


async def factories_employer_user(world: World) -> Any:
    """A second workplace of the same organiser."""
    other = await factories.employer(world.organiser, name="Grannen")
    return await factories.user(Role.EMPLOYER, employer_id=other.id)


async def test_who_may_review(world: World) -> None:
    first = await submitted(await world.actor(world.employer_user), world.slot)
    hidden = await submitted(await world.actor(world.employer_user), world.slot_b_only)
    before = await _rows()
    coordinator_x = await factories.user(Role.COORDINATOR, school_id=world.school_x.id)
    cases = [
        (await world.actor(world.pupil_a_user), first.id, ErrorCode.FORBIDDEN),
        (await world.actor(world.employer_user), first.id, ErrorCode.FORBIDDEN),
        (Actor(kind="anonymous"), first.id, ErrorCode.FORBIDDEN),
        # Another organiser's coordinator: no such assessment.
        (await world.actor(coordinator_x), first.id, ErrorCode.NOT_FOUND),
        # School B's slot, none of school A's pupils booked on it.
        (await world.actor(world.coordinator_a), hidden.id, ErrorCode.NOT_FOUND),
        (await world.actor(world.coordinator_a), 2**31, ErrorCode.NOT_FOUND),
    ]
    for actor, pk, code in cases:
        for act in (
            risk_assessment.approve(actor, pk),
            risk_assessment.request_change(actor, pk, "Ändra"),
        ):
            outcome = await act
            assert [e.code for e in outcome.errors] == [code], (actor, pk)
    assert await _rows() == before


async def test_a_coordinator_reads_what_her_pupils_are_booked_on(world: World) -> None:
    employer = await world.actor(world.employer_user)
    hidden = await submitted(employer, world.slot_b_only)
    coordinator = await world.actor(world.coordinator_a)
    assert await risk_assessment.assessments(coordinator).filter(id=hidden.id).count() == 0
    # School B's coordinator sees it (the slot is open to school B).
    coordinator_b = await world.actor(world.coordinator_b)
    assert await risk_assessment.assessments(coordinator_b).filter(id=hidden.id).count() == 1
    # A pupil of school A booked on it by hand makes it school A's to read and review.
    await Booking.create(
        pupil_id=world.pupil_a.id,
        slot_id=world.slot_b_only.id,
        period_id=world.period_a.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )
    assert await risk_assessment.assessments(coordinator).filter(id=hidden.id).count() == 1
    assert (await risk_assessment.approve(coordinator, hidden.id)).ok
    # Pupils read no assessment.
    pupil = await world.actor(world.pupil_a_user)
    assert await risk_assessment.assessments(pupil).count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tasks": "Baka\x00"}, "tasks", "Texten innehåller tecken som inte går att spara."),
        ({"supervisor_name": "S" * 201}, "supervisor_name", "Högst 200 tecken."),
        ({"tasks": "t" * 5001}, "tasks", "Högst 5000 tecken."),
        ({"supervisor_years": 200}, "supervisor_years", "Ange ett antal år från 0 till 80."),
        ({"supervisor_years": -1}, "supervisor_years", "Ange ett antal år från 0 till 80."),
        ({"supervisor_phone": "ring mig"}, "supervisor_phone", None),
        ({"emergency_phone": "12"}, "emergency_phone", None),
        ({"supervisor_email": "sara"}, "supervisor_email", None),
        ({"lunch": "\ud800"}, "lunch", "Texten innehåller tecken som inte går att spara."),
    ],
)
async def test_bad_input_is_refused_by_field(
    world: World, changes: dict[str, Any], field: str, message: str | None
) -> None:
    employer = await world.actor(world.employer_user)
    before = await _rows()
    for write in (risk_assessment.submit, risk_assessment.save_draft):
        if write is risk_assessment.save_draft and message is None:
            continue  # a draft may hold a half-typed number or address
        outcome = await write(employer, world.slot.id, complete(**changes))
        [error] = outcome.errors
        assert (error.code, error.field) == (ErrorCode.INVALID, field)
        assert message is None or error.message == message
        assert error.message.endswith(".")
    assert await _rows() == before


async def test_a_nul_or_overlong_measure_and_an_unknown_question(world: World) -> None:
    employer = await world.actor(world.employer_user)
    data = complete(yes=("noise",))
    data.hazards["noise"].measure = "Hörselskydd\x00"
    data.hazards["ufo"] = risk_assessment.HazardAnswer(True, "Ja")
    data.hazards["public"] = risk_assessment.HazardAnswer(True, "m" * 1001)
    outcome = await risk_assessment.save_draft(employer, world.slot.id, data)
    assert {(e.field, e.message) for e in outcome.errors} == {
        ("hazard_noise_measure", "Texten innehåller tecken som inte går att spara."),
        ("hazards", "Okänd fråga."),
        ("hazard_public_measure", "Högst 1000 tecken."),
    }
    assert await RiskAssessment.all().count() == 0


async def test_copying_a_slot_copies_its_assessment_as_a_draft(world: World) -> None:
    employer = await world.actor(world.employer_user)
    first = await submitted(employer, world.slot, yes=("heavy_lifting",))
    await risk_assessment.approve(await world.actor(world.coordinator_a), first.id)
    copied = await slots.copy_slot(employer, world.slot.id)
    assert copied.value is not None
    [draft] = await RiskAssessment.filter(slot_id=copied.value.id)
    assert (draft.version, draft.status, draft.submitted_at) == (1, AssessmentStatus.DRAFT, None)
    assert draft.hazards == first.hazards and draft.supervisor_name == first.supervisor_name
    assert await AssessmentReview.filter(assessment_id=draft.id).count() == 0
    assert copied.value.min_age == 16  # the copy keeps the age the assessment required
    # A slot without an assessment is copied without one.
    plain = await slots.copy_slot(employer, world.slot_b_only.id)
    assert plain.value is not None
    assert await RiskAssessment.filter(slot_id=plain.value.id).count() == 0
