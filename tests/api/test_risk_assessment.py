"""The risk assessment over GraphQL: the employer submits it (errors typed and by field), a
school and the organiser approve it or ask for a change, school systems read it on the slot and
by period with updatedSince."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prao.errors import ErrorCode
from prao.models import AssessmentReview, OutboxMessage, Permission, RiskAssessment, Slot
from prao.services import risk_assessment
from prao.services.booking import book_slot
from tests import assessments
from tests.callers import Caller, gid
from tests.factories import World

# The codes only the risk assessment gives; each is asserted below.
ASSESSMENT_CODES = {ErrorCode.ASSESSMENT_OUTDATED}

FIELDS = """id version status tasks requiredAge supervisorName supervisorYears meetingPlace
  askFor emergencyPhone submittedAt updatedAt reviewState
  hazards { code question present measure minAge reason }
  reviews { decision comment organiserWide school { name } }
  slot { id title }"""
SUBMIT = f"""mutation($input: SubmitRiskAssessmentInput!) {{
  submitRiskAssessment(input: $input) {{
    riskAssessment {{ {FIELDS} }} slot {{ id minAge }} errors {{ code field message }} }} }}"""
APPROVE = f"""mutation($input: ApproveRiskAssessmentInput!) {{
  approveRiskAssessment(input: $input) {{
    riskAssessment {{ {FIELDS} }} review {{ decision organiserWide school {{ name }} }}
    errors {{ code field message }} }} }}"""
REQUEST = """mutation($input: RequestRiskAssessmentChangeInput!) {
  requestRiskAssessmentChange(input: $input) {
    review { decision comment } errors { code field message } } }"""
SLOT = f"""query($id: ID!) {{ node(id: $id) {{ ... on Slot {{
  minAge riskAssessment {{ {FIELDS} }} riskAssessmentDraft {{ version status }} }} }} }}"""
LIST = """query($period: ID, $since: DateTime, $after: String) {
  riskAssessments(periodId: $period, updatedSince: $since, first: 2, after: $after) {
    totalCount syncedUntil pageInfo { hasNextPage endCursor }
    nodes { id version reviewState slot { title } } } }"""


async def _submit(caller: Caller, world: World, **changes: Any) -> dict[str, Any]:
    variables = {"input": assessments.graphql_input(gid("Slot", world.slot.id), **changes)}
    data: dict[str, Any] = (await caller.data(SUBMIT, variables))["submitRiskAssessment"]
    return data


async def test_the_employer_submits_and_a_forbidden_answer_raises_the_age(
    world: World, as_user: Any
) -> None:
    employer = await as_user(world.employer_user)
    hazards = assessments.graphql_input("")["hazards"]
    hazards[0] = {"code": "machines", "present": True, "measure": "Bara med handledaren"}
    found = await _submit(employer, world, hazards=hazards)
    assert found["errors"] == []
    row = found["riskAssessment"]
    assert (row["version"], row["status"], row["requiredAge"]) == (1, "SUBMITTED", 16)
    assert row["reviewState"] is None and row["reviews"] == []
    machines = row["hazards"][0]
    assert (machines["code"], machines["present"], machines["minAge"]) == ("machines", True, 16)
    assert "under 16" in machines["reason"]
    assert found["slot"]["minAge"] == 16
    assert (await Slot.get(id=world.slot.id)).min_age == 16


async def test_a_draft_is_the_employers_own(world: World, as_user: Any, as_token: Any) -> None:
    employer = await as_user(world.employer_user)
    await _submit(employer, world)
    draft = await _submit(employer, world, tasks="Nytt utkast", draft=True)
    assert (draft["riskAssessment"]["version"], draft["riskAssessment"]["status"]) == (2, "DRAFT")
    slot = (await employer.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert slot["riskAssessment"]["version"] == 1
    assert slot["riskAssessmentDraft"] == {"version": 2, "status": "DRAFT"}
    school = await as_token(world.school_a)
    seen = (await school.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert seen["riskAssessment"]["version"] == 1 and seen["riskAssessmentDraft"] is None
    assert seen["riskAssessment"]["reviewState"] == "WAITING"
    # A pupil sees the slot, not its assessment.
    pupil = await as_user(world.pupil_a_user)
    own = (await pupil.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert own["riskAssessment"] is None and own["riskAssessmentDraft"] is None


async def test_bad_input_names_its_field(world: World, as_user: Any) -> None:
    employer = await as_user(world.employer_user)
    hazards = assessments.graphql_input("")["hazards"][1:]  # "machines" left unanswered
    hazards[0] = {"code": "chemicals", "present": True, "measure": ""}
    found = await _submit(employer, world, hazards=hazards, supervisorName="\x00", askFor="x" * 201)
    errors = {(e["field"], e["message"]) for e in found["errors"]}
    assert ("supervisorName", "Texten innehåller tecken som inte går att spara.") in errors
    assert ("askFor", "Högst 200 tecken.") in errors
    questions = {m for f, m in errors if f == "hazards"}
    assert any(m.startswith("Farliga maskiner") and "Svara ja eller nej" in m for m in questions)
    assert any(m.startswith("Farliga kemikalier") and "åtgärd" in m for m in questions)
    assert found["riskAssessment"] is None
    assert await RiskAssessment.all().count() == 0
    twice = assessments.graphql_input("")["hazards"][:1] * 2
    again = await _submit(employer, world, hazards=twice)
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("DUPLICATE", "hazards")]


async def test_a_school_approves_and_the_organiser_for_all(
    world: World, as_user: Any, as_token: Any
) -> None:
    submitted = await assessments.submitted(await world.actor(world.employer_user), world.slot)
    variables = {"input": {"assessmentId": gid("RiskAssessment", submitted.id)}}
    school = await as_token(world.school_a)
    found = (await school.data(APPROVE, variables))["approveRiskAssessment"]
    assert found["errors"] == []
    assert found["review"] == {
        "decision": "APPROVED",
        "organiserWide": False,
        "school": {"name": "Skola A"},
    }
    assert found["riskAssessment"]["reviewState"] == "APPROVED"
    coordinator_b = await as_user(world.coordinator_b)
    seen = (await coordinator_b.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert seen["riskAssessment"]["reviewState"] == "WAITING"
    assert seen["riskAssessment"]["reviews"] == []  # school A's review is A's own
    organiser = await as_token(organiser=world.organiser)
    wide = (await organiser.data(APPROVE, variables))["approveRiskAssessment"]
    assert wide["review"] == {"decision": "APPROVED", "organiserWide": True, "school": None}
    seen = (await coordinator_b.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert seen["riskAssessment"]["reviewState"] == "APPROVED"
    # The employer sees both decisions, and no school's name.
    employer = await as_user(world.employer_user)
    own = (await employer.data(SLOT, {"id": gid("Slot", world.slot.id)}))["node"]
    assert [r["school"] for r in own["riskAssessment"]["reviews"]] == [None, None]
    assert [r["organiserWide"] for r in own["riskAssessment"]["reviews"]] == [False, True]


async def test_an_old_version_is_not_approved(world: World, as_user: Any) -> None:
    employer = await world.actor(world.employer_user)
    first = await assessments.submitted(employer, world.slot)
    await assessments.submitted(employer, world.slot, tasks="Ändrade uppgifter")
    coordinator = await as_user(world.coordinator_a)
    variables = {"input": {"assessmentId": gid("RiskAssessment", first.id)}}
    found = (await coordinator.data(APPROVE, variables))["approveRiskAssessment"]
    assert [(e["code"], e["field"]) for e in found["errors"]] == [
        ("ASSESSMENT_OUTDATED", "assessmentId")
    ]
    assert await AssessmentReview.all().count() == 0


async def test_a_change_request_needs_a_comment_and_mails_the_employer(
    world: World, as_user: Any
) -> None:
    submitted = await assessments.submitted(await world.actor(world.employer_user), world.slot)
    coordinator = await as_user(world.coordinator_a)
    assessment_id = gid("RiskAssessment", submitted.id)
    empty = {"input": {"assessmentId": assessment_id, "comment": " "}}
    refused = (await coordinator.data(REQUEST, empty))["requestRiskAssessmentChange"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", "comment")]
    assert await OutboxMessage.all().count() == 0
    asked = {"input": {"assessmentId": assessment_id, "comment": "Lägg till nödnummer"}}
    found = (await coordinator.data(REQUEST, asked))["requestRiskAssessmentChange"]
    assert found["review"] == {"decision": "CHANGE_REQUESTED", "comment": "Lägg till nödnummer"}
    assert await OutboxMessage.filter(kind="assessment_change_requested").count() == 2


async def test_school_systems_read_a_period_incrementally(
    world: World, as_user: Any, as_token: Any
) -> None:
    employer = await world.actor(world.employer_user)
    first = await assessments.submitted(employer, world.slot)
    await assessments.submitted(employer, world.slot_b_only)
    coordinator = await world.actor(world.coordinator_a)
    booked = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert booked.ok, booked.errors
    school = await as_token(world.school_a)
    period = gid("Period", world.period_a.id)
    page = (await school.data(LIST, {"period": period}))["riskAssessments"]
    assert page["totalCount"] == 1
    assert [n["slot"]["title"] for n in page["nodes"]] == ["Bagare"]
    # Without a period: every assessment school A may read (slot_b_only is not open to A).
    every = (await school.data(LIST, {}))["riskAssessments"]
    assert every["totalCount"] == 1
    # Another school's period shows nothing.
    other = await school.data(LIST, {"period": gid("Period", world.period_b.id)})
    assert other["riskAssessments"]["totalCount"] == 0
    # Changes settle behind the sync horizon (prao.sync); an approval is a change to sync.
    earlier = first.updated_at - timedelta(minutes=5)
    await RiskAssessment.filter(id=first.id).update(updated_at=earlier)
    since = {"period": period, "since": (earlier - timedelta(seconds=1)).isoformat()}
    synced = (await school.data(LIST, since))["riskAssessments"]
    assert synced["totalCount"] == 1 and synced["syncedUntil"]
    assert (await risk_assessment.approve(coordinator, first.id)).ok
    assert (await RiskAssessment.get(id=first.id)).updated_at > earlier
    # A bad period id is the client's error, not an empty list.
    bad = await school.result(LIST, {"period": gid("Slot", 1)})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_read_only_token_reads_but_does_not_approve(world: World, as_token: Any) -> None:
    submitted = await assessments.submitted(await world.actor(world.employer_user), world.slot)
    reader = await as_token(world.school_a, permissions=frozenset({Permission.READ}))
    listed = (await reader.data(LIST, {}))["riskAssessments"]
    assert listed["totalCount"] == 1
    variables = {"input": {"assessmentId": gid("RiskAssessment", submitted.id)}}
    found = (await reader.data(APPROVE, variables))["approveRiskAssessment"]
    assert [e["code"] for e in found["errors"]] == ["FORBIDDEN"]
    node = await reader.data(
        "query($id: ID!) { node(id: $id) { ... on RiskAssessment { version } } }",
        {"id": gid("RiskAssessment", submitted.id)},
    )
    assert node["node"] == {"version": 1}
