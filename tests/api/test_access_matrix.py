"""Every GraphQL root field against every kind of caller, as tables run as tests.

MATRIX: each root field's operation, aimed at school A's objects, and what each caller gets:
OK (an answer, or the write done), EMPTY (null or an empty list), PARTIAL (some of `nodes`),
a payload error code (the write refused, nothing changed) or UNAUTHENTICATED (HTTP 401).
Then every read aimed at school B and at another organiser's school X must carry no pupil the
caller may not see, and every write aimed at them (ACROSS) must be refused and change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.schema import schema
from prao import clock
from prao.actor import Actor
from prao.allocation import runs
from prao.auth import create_api_token
from prao.models import (
    AllocationPolicy,
    AllocationRun,
    AllocationStatus,
    ApiToken,
    AssessmentReview,
    AttendanceDay,
    Booking,
    ConsentMode,
    Employer,
    EmployerStatus,
    GuardianConsent,
    Organiser,
    OutboxMessage,
    Period,
    PeriodMode,
    Permission,
    Pupil,
    RiskAssessment,
    Role,
    Slot,
    SlotStatus,
    SlotVisibility,
    User,
    Wish,
)
from prao.services.booking import book_slot
from tests import assessments, factories
from tests.callers import Caller, gid
from tests.factories import World

OK, EMPTY, PARTIAL, UNAUTHENTICATED = "OK", "EMPTY", "PARTIAL", "UNAUTHENTICATED"
FORBIDDEN, NOT_FOUND, NOT_VISIBLE = "FORBIDDEN", "NOT_FOUND", "NOT_VISIBLE"

CALLERS = (
    "anonymous",
    "pupil",
    "employer",
    "coordinator_a",
    "token_a",
    "token_organiser",
    "token_a_read_only",
    "revoked_token",
)

Extra = dict[str, int]  # primary keys of what a row's setup made
Setup = Callable[[World], Awaitable[Extra]]
Variables = Callable[[World, Extra], dict[str, Any]]


def _row(
    anonymous: str,
    pupil: str,
    employer: str,
    coordinator_a: str,
    token_a: str,
    organiser: str,
    read_only: str,
) -> dict[str, str]:
    return {
        "anonymous": anonymous,
        "pupil": pupil,
        "employer": employer,
        "coordinator_a": coordinator_a,
        "token_a": token_a,
        "token_organiser": organiser,
        "token_a_read_only": read_only,
        "revoked_token": UNAUTHENTICATED,  # never past the door, whatever the field
    }


def reads(
    anonymous: str, pupil: str, employer: str, coordinator_a: str, token_a: str, organiser: str
) -> dict[str, str]:
    """A read-only token reads what the same token with every permission reads."""
    return _row(anonymous, pupil, employer, coordinator_a, token_a, organiser, token_a)


def writes(
    anonymous: str, pupil: str, employer: str, coordinator_a: str, token_a: str, organiser: str
) -> dict[str, str]:
    """A read-only token is refused every write before anything is looked up."""
    return _row(anonymous, pupil, employer, coordinator_a, token_a, organiser, FORBIDDEN)


STAFF_READ = reads(EMPTY, EMPTY, EMPTY, OK, OK, OK)
STAFF_WRITE = writes(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK)
EVERYONE = reads(OK, OK, OK, OK, OK, OK)


def no_variables(world: World, extra: Extra) -> dict[str, Any]:
    return {}


async def nothing(world: World) -> Extra:
    return {}


@dataclass(frozen=True)
class Case:
    document: str
    expected: dict[str, str]
    variables: Variables = no_variables
    setup: Setup = nothing

    @property
    def mutation(self) -> bool:
        return self.document.lstrip().startswith("mutation")


# Setups: what a row needs on top of the world.


async def _book(world: World, pupil: Pupil, slot: Slot) -> Booking:
    outcome = await book_slot(await world.actor(world.coordinator_a), slot.id, pupil.id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


async def booking_of_alva(world: World) -> Extra:
    return {"booking": (await _book(world, world.pupil_a, world.slot)).id}


async def booking_of_hugo(world: World) -> Extra:
    return {"booking": (await _book(world, world.pupil_a2, world.slot)).id}


async def consent_of_alva(world: World) -> Extra:
    """Alva's confirmed booking where the organiser asks her guardian's consent."""
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    extra = await booking_of_alva(world)
    assert await GuardianConsent.filter(booking_id=extra["booking"]).exists()
    return extra


async def pending_booking(world: World) -> Extra:
    slot = await factories.slot(world.employer, title="Snickare", requires_approval=True)
    booking = await _book(world, world.pupil_a, slot)
    assert booking.status == "pending"
    return {"booking": booking.id}


async def draft_slot(world: World) -> Extra:
    slot = await factories.slot(world.employer, title="Utkast", status=SlotStatus.DRAFT)
    return {"slot": slot.id}


async def pending_employer(world: World) -> Extra:
    """A self-registered employer of our organiser, waiting for vetting, with a draft."""
    employer = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
    await factories.slot(employer, status=SlotStatus.DRAFT)
    return {"employer": employer.id}


async def allocation_period(world: World) -> Extra:
    period = await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=2)
    return {"period": period.id}


async def proposal(world: World) -> Extra:
    """A finished dry run of school A's allocation period: Alva wished for the shared slot."""
    extra = await allocation_period(world)
    await Wish.create(
        pupil_id=world.pupil_a.id, period_id=extra["period"], slot_id=world.slot.id, rank=1
    )
    coordinator = await world.actor(world.coordinator_a)
    started = await runs.start_run(coordinator, extra["period"], seed=1, enqueue=False)
    assert started.value is not None, started.errors
    assert await runs.execute_run(started.value.id)
    return {**extra, "run": started.value.id}


async def submitted_assessment(world: World) -> Extra:
    """The employer's risk assessment of the shared slot, waiting for the schools."""
    employer = await world.actor(world.employer_user)
    return {"assessment": (await assessments.submitted(employer, world.slot)).id}


def slot_input(**changes: Any) -> dict[str, Any]:
    start, end = factories.prao_weeks()
    values: dict[str, Any] = {
        "title": "Elektriker", "tasks": "Dra kabel", "address": "Elgatan 1", "city": "Varberg",
        "startDate": start.isoformat(), "endDate": end.isoformat(),
        "dayStartsAt": "08:00", "dayEndsAt": "14:00", "capacity": 2,
    }  # fmt: skip
    return {**values, **changes}


def period_input(world: World) -> dict[str, Any]:
    start = clock.today() + timedelta(days=40)
    return {
        "schoolId": gid("School", world.school_a.id),
        "name": "Prao matris",
        "yearGroup": 9,
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=4)).isoformat(),
        "bookingOpensAt": f"{clock.today() + timedelta(days=1)}T08:00:00",
        "bookingClosesAt": f"{start - timedelta(days=7)}T16:00:00",
        "cancelDeadline": f"{start - timedelta(days=3)}T16:00:00",
    }


def self_found_input() -> dict[str, Any]:
    start, end = factories.prao_weeks()
    return {
        "name": "Farmors bageri",
        "contactEmail": "farmor@example.se",
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "tasks": "Baka bröd",
    }


def paper_consent_input(booking: str) -> dict[str, Any]:
    return {"bookingId": booking, "decision": "GIVEN", "guardianName": "Anna Andersson"}


def errors_of(name: str, input_type: str, selection: str = "") -> str:
    return f"""mutation($input: {input_type}!) {{
  {name}(input: $input) {{ {selection} errors {{ code field message }} }}
}}"""


MATRIX: dict[str, Case] = {
    # --- Query ---
    "node": Case(
        "query($id: ID!) { node(id: $id) { id ... on Pupil { firstName lastName } } }",
        # A classmate of the signed-in pupil: hers to see only for school A's staff.
        reads(EMPTY, EMPTY, EMPTY, OK, OK, OK),
        lambda w, e: {"id": gid("Pupil", w.pupil_a2.id)},
    ),
    "nodes": Case(
        """query($ids: [ID!]!) { nodes(ids: $ids) {
          id ... on Booking { status pupil { firstName } } ... on Period { name } } }""",
        # Hugo's booking (the employer's slot) and school A's period (the pupil's school).
        reads(EMPTY, PARTIAL, PARTIAL, OK, OK, OK),
        lambda w, e: {"ids": [gid("Booking", e["booking"]), gid("Period", w.period_a.id)]},
        booking_of_hugo,
    ),
    "viewer": Case("{ viewer { kind role name } }", EVERYONE),
    "slots": Case(
        "{ slots(first: 100) { totalCount edges { node { id title } } } }",
        reads(EMPTY, OK, OK, OK, OK, OK),
    ),
    "bookings": Case(
        """{ bookings(first: 100) { totalCount edges { node {
          id pupil { firstName lastName } } } } }""",
        reads(EMPTY, OK, OK, OK, OK, OK),
        setup=booking_of_alva,
    ),
    "pupils": Case(
        "{ pupils(first: 100) { totalCount edges { node { id firstName } } } }", STAFF_READ
    ),
    "periods": Case("{ periods { id name } }", reads(EMPTY, OK, EMPTY, OK, OK, OK)),
    "allocationRun": Case(
        """query($id: ID!) { allocationRun(id: $id) {
          id status result { placed unplacedPupilIds } } }""",
        STAFF_READ,
        lambda w, e: {"id": gid("AllocationRun", e["run"])},
        proposal,
    ),
    "periodOverview": Case(
        """query($id: ID!) { periodOverview(periodId: $id) {
          placed unplaced unplacedPupils { id firstName lastName } } }""",
        STAFF_READ,
        lambda w, e: {"id": gid("Period", w.period_a.id)},
    ),
    "periodStatistics": Case(
        """query($id: ID!) { periodStatistics(periodId: $id) {
          totals { pupils placed } bySchool { id name } equity { name } } }""",
        STAFF_READ,
        lambda w, e: {"id": gid("Period", w.period_a.id)},
    ),
    "rateLimit": Case("{ rateLimit { limit cost remaining } }", EVERYONE),
    "riskAssessments": Case(
        """{ riskAssessments(first: 100) { totalCount edges { node {
          id version tasks reviewState } } } }""",
        reads(EMPTY, EMPTY, OK, OK, OK, OK),
        setup=submitted_assessment,
    ),
    "guardianConsents": Case(
        """{ guardianConsents(first: 100) { totalCount edges { node {
          id decision guardianName } } } }""",
        STAFF_READ,
        setup=consent_of_alva,
    ),
    # --- Mutation ---
    "bookSlot": Case(
        errors_of("bookSlot", "BookSlotInput", "booking { id }"),
        writes(FORBIDDEN, OK, FORBIDDEN, OK, OK, OK),  # the pupil names herself
        lambda w, e: {
            "input": {"slotId": gid("Slot", w.slot.id), "pupilId": gid("Pupil", w.pupil_a.id)}
        },
    ),
    "cancelBooking": Case(
        errors_of("cancelBooking", "CancelBookingInput", "booking { id status }"),
        writes(FORBIDDEN, OK, FORBIDDEN, OK, OK, OK),  # the pupil cancels her own
        lambda w, e: {"input": {"bookingId": gid("Booking", e["booking"])}},
        booking_of_alva,
    ),
    "createSlot": Case(
        errors_of("createSlot", "CreateSlotInput", "slot { id }"),
        writes(FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w, e: {"input": slot_input()},
    ),
    "updateSlot": Case(
        errors_of("updateSlot", "UpdateSlotInput", "slot { id }"),
        # Only the employer's own slots exist for this: for anyone else there is no such slot.
        writes(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w, e: {"input": slot_input(slotId=gid("Slot", w.slot.id), capacity=4)},
    ),
    "publishSlot": Case(
        errors_of("publishSlot", "SlotIdInput", "slot { id status }"),
        writes(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w, e: {"input": {"slotId": gid("Slot", e["slot"])}},
        draft_slot,
    ),
    "closeSlot": Case(
        errors_of("closeSlot", "SlotIdInput", "slot { id status }"),
        writes(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w, e: {"input": {"slotId": gid("Slot", w.slot.id)}},
    ),
    "decideBooking": Case(
        errors_of("decideBooking", "DecideBookingInput", "booking { id status }"),
        writes(FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w, e: {"input": {"bookingId": gid("Booking", e["booking"]), "decision": "APPROVE"}},
        pending_booking,
    ),
    "registerSelfFoundPlacement": Case(
        errors_of(
            "registerSelfFoundPlacement", "RegisterSelfFoundPlacementInput", "booking { id }"
        ),
        writes(FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w, e: {"input": self_found_input()},
    ),
    # Organiser admins and the organiser's coordinators, signed in; tokens never.
    "approveEmployer": Case(
        errors_of("approveEmployer", "ApproveEmployerInput", "employer { id status }"),
        writes(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN),
        lambda w, e: {"input": {"employerId": gid("Employer", e["employer"])}},
        pending_employer,
    ),
    "declineEmployer": Case(
        errors_of("declineEmployer", "DeclineEmployerInput", "employer { id status }"),
        writes(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN),
        lambda w, e: {
            "input": {"employerId": gid("Employer", e["employer"]), "reason": "Okänd firma"}
        },
        pending_employer,
    ),
    "startAllocationRun": Case(
        errors_of("startAllocationRun", "StartAllocationRunInput", "run { id }"),
        STAFF_WRITE,
        lambda w, e: {"input": {"periodId": gid("Period", e["period"]), "seed": 1}},
        allocation_period,
    ),
    "applyAllocationRun": Case(
        errors_of("applyAllocationRun", "ApplyAllocationRunInput", "run { id status }"),
        # Runs are invisible outside the school's staff: not found rather than forbidden.
        writes(NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, OK),
        lambda w, e: {"input": {"runId": gid("AllocationRun", e["run"])}},
        proposal,
    ),
    "submitWishes": Case(
        errors_of("submitWishes", "SubmitWishesInput", "wishes { rank }"),
        writes(FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w, e: {
            "input": {"periodId": gid("Period", e["period"]), "slotIds": [gid("Slot", w.slot.id)]}
        },
        allocation_period,
    ),
    "createPeriod": Case(
        errors_of("createPeriod", "CreatePeriodInput", "period { id }"),
        STAFF_WRITE,
        lambda w, e: {"input": period_input(w)},
    ),
    "updatePeriod": Case(
        errors_of("updatePeriod", "UpdatePeriodInput", "period { id name }"),
        STAFF_WRITE,
        lambda w, e: {"input": {"periodId": gid("Period", w.period_a.id), "name": "Nytt namn"}},
    ),
    "placePupil": Case(
        errors_of("placePupil", "PlacePupilInput", "booking { id }"),
        STAFF_WRITE,
        lambda w, e: {
            "input": {"pupilId": gid("Pupil", w.pupil_a.id), "slotId": gid("Slot", w.slot.id)}
        },
    ),
    "sendUnplacedReminders": Case(
        errors_of("sendUnplacedReminders", "SendUnplacedRemindersInput", "sent"),
        STAFF_WRITE,
        lambda w, e: {"input": {"periodId": gid("Period", w.period_a.id)}},
    ),
    "submitRiskAssessment": Case(
        errors_of("submitRiskAssessment", "SubmitRiskAssessmentInput", "riskAssessment { id }"),
        # Only the employer's own slots exist for this, as for updateSlot.
        writes(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w, e: {"input": assessments.graphql_input(gid("Slot", w.slot.id))},
    ),
    "approveRiskAssessment": Case(
        errors_of("approveRiskAssessment", "ApproveRiskAssessmentInput", "review { decision }"),
        STAFF_WRITE,
        lambda w, e: {"input": {"assessmentId": gid("RiskAssessment", e["assessment"])}},
        submitted_assessment,
    ),
    "requestRiskAssessmentChange": Case(
        errors_of(
            "requestRiskAssessmentChange", "RequestRiskAssessmentChangeInput", "review { comment }"
        ),
        STAFF_WRITE,
        lambda w, e: {
            "input": {"assessmentId": gid("RiskAssessment", e["assessment"]), "comment": "Ändra"}
        },
        submitted_assessment,
    ),
    "recordPaperConsent": Case(
        errors_of("recordPaperConsent", "RecordPaperConsentInput", "consent { decision }"),
        STAFF_WRITE,
        lambda w, e: {"input": paper_consent_input(gid("Booking", e["booking"]))},
        booking_of_alva,
    ),
    "recordAttendance": Case(
        errors_of(
            "recordAttendance", "RecordAttendanceInput", "booking { id attendance { status } }"
        ),
        STAFF_WRITE,
        lambda w, e: {
            "input": {
                "bookingId": gid("Booking", e["booking"]),
                "days": [{"date": w.slot.start_date.isoformat(), "status": "ABSENT"}],
            }
        },
        booking_of_alva,
    ),
    "upsertPupils": Case(
        errors_of("upsertPupils", "UpsertPupilsInput", "created pupils { id }"),
        STAFF_WRITE,
        lambda w, e: {
            "input": {
                "schoolId": gid("School", w.school_a.id),
                "pupils": [
                    {
                        "externalId": "matris-1",
                        "firstName": "Nils",
                        "lastName": "Nilsson",
                        "yearGroup": 8,
                        "className": "8B",
                        "securityMarking": False,
                    }
                ],
            }
        },
    ),
}


# Callers


@pytest.fixture
def caller_of(
    as_user: Callable[[User], Awaitable[Caller]],
    as_token: Callable[..., Awaitable[Caller]],
    anonymous: Caller,
    new_client: Callable[[], httpx.AsyncClient],
) -> Callable[[str, World], Awaitable[Caller]]:
    async def make(kind: str, world: World) -> Caller:
        if kind == "anonymous":
            return anonymous
        if kind == "pupil":
            return await as_user(world.pupil_a_user)
        if kind == "employer":
            return await as_user(world.employer_user)
        if kind == "coordinator_a":
            return await as_user(world.coordinator_a)
        if kind == "token_a":
            return await as_token(world.school_a)
        if kind == "token_organiser":
            return await as_token(organiser=world.organiser)
        if kind == "token_a_read_only":
            return await as_token(world.school_a, permissions=frozenset({Permission.READ}))
        if kind == "token_other_organiser":
            return await as_token(organiser=world.other_organiser)
        assert kind == "revoked_token"
        token, raw = await create_api_token("Återkallad", school=world.school_a)
        await ApiToken.filter(id=token.id).update(revoked_at=clock.now())
        return Caller(new_client(), {"Authorization": f"Bearer {raw}"})

    return make


# Outcomes


def read_outcome(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, list):  # periods, nodes
        present = [item for item in value if item is not None]
        if not present:
            return EMPTY
        return OK if len(present) == len(value) else PARTIAL
    if "edges" in value:
        assert value["totalCount"] == len(value["edges"])
        return OK if value["edges"] else EMPTY
    return OK


def outcome_of(response: httpx.Response, name: str, case: Case) -> str:
    if response.status_code == 401:
        return UNAUTHENTICATED
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    value = payload["data"][name]
    if not case.mutation:
        return read_outcome(value)
    codes = [error["code"] for error in value["errors"]]
    return codes[0] if codes else OK


async def snapshot() -> dict[str, Any]:
    """Every row a mutation in the table could write (the audit log aside)."""
    return {
        "booking": await Booking.all()
        .order_by("id")
        .values_list("id", "status", "slot_id", "pupil_id", "period_id"),
        "slot": await Slot.all()
        .order_by("id")
        .values_list("id", "status", "title", "capacity", "taken"),
        "visibility": await SlotVisibility.all().count(),
        "period": await Period.all().order_by("id").values_list("id", "name", "mode", "start_date"),
        "pupil": await Pupil.all()
        .order_by("id")
        .values_list("id", "school_id", "first_name", "last_name", "email", "external_id"),
        "wish": await Wish.all().order_by("id").values_list("pupil_id", "slot_id", "rank"),
        "run": await AllocationRun.all().order_by("id").values_list("id", "status"),
        "employer": await Employer.all()
        .order_by("id")
        .values_list("id", "status", "decline_reason", "decided_by"),
        "outbox": await OutboxMessage.all().count(),
        "assessment": await RiskAssessment.all()
        .order_by("id")
        .values_list("id", "version", "status", "tasks"),
        "review": await AssessmentReview.all().order_by("id").values_list("id", "decision"),
        "consent": await GuardianConsent.all()
        .order_by("id")
        .values_list("id", "booking_id", "decision", "method", "guardian_name"),
        "attendance": await AttendanceDay.all().order_by("id").values_list("booking_id", "status"),
    }


def test_every_root_field_has_a_row_for_every_caller() -> None:
    graphql = schema._schema
    assert graphql.query_type is not None and graphql.mutation_type is not None
    fields = set(graphql.query_type.fields) | set(graphql.mutation_type.fields)
    assert set(MATRIX) == fields
    for name, case in MATRIX.items():
        assert set(case.expected) == set(CALLERS), name
        assert case.mutation == (name in graphql.mutation_type.fields), name


@pytest.mark.parametrize(
    ("name", "kind"),
    [pytest.param(name, kind, id=f"{name}-{kind}") for name in MATRIX for kind in CALLERS],
)
async def test_access(name: str, kind: str, world: World, caller_of) -> None:
    case = MATRIX[name]
    extra = await case.setup(world)
    caller = await caller_of(kind, world)
    before = await snapshot()
    response = await caller.post(case.document, case.variables(world, extra))
    assert outcome_of(response, name, case) == case.expected[kind], response.text
    after = await snapshot()
    if case.mutation and case.expected[kind] == OK:
        assert after != before, "the write reported success but changed nothing"
    elif case.mutation or kind == "revoked_token":
        assert after == before, "a refused call changed something"


# No answer carries another school's pupils


P = "id firstName lastName email externalId"
LISTS = f"""{{
  slots(first: 100) {{ edges {{ node {{ id title }} }} }}
  bookings(first: 100) {{ edges {{ node {{ id pupil {{ {P} }} period {{ id name }} }} }} }}
  pupils(first: 100) {{ edges {{ node {{ {P} }} }} }}
  periods {{ id name school {{ name }} }}
  viewer {{ pupil {{ {P} }} }}
}}"""
FRAGMENTS = f"""id
  ... on Pupil {{ {P} }}
  ... on Booking {{ pupil {{ {P} }} }}
  ... on Period {{ name }}
  ... on AllocationRun {{ result {{ unplacedPupilIds }} }}"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ {FRAGMENTS} }} }}"
NODES = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {FRAGMENTS} }} }}"
OVERVIEW = f"""query($id: ID!) {{ periodOverview(periodId: $id) {{
  unplaced classes {{ className pupils }} unplacedPupils {{ {P} }} }} }}"""
RUN = "query($id: ID!) { allocationRun(id: $id) { status result { unplacedPupilIds } } }"

# Whose pupils a caller may see besides school A's: an organiser's token sees every school of
# its organiser; the employer sees the pupils booked on its slots, whatever their school.
LEAK_CALLERS = (*CALLERS, "token_other_organiser")
MAY_SEE: dict[str, set[str]] = {kind: set() for kind in LEAK_CALLERS}
MAY_SEE["token_organiser"] = {"B"}
MAY_SEE["employer"] = {"B"}
MAY_SEE["token_other_organiser"] = {"X"}  # shows the check is not blind to school X


def proposal_of(pupil: Pupil, school_id: int) -> dict[str, Any]:
    """A stored dry run that left this pupil unplaced."""
    return {
        "pupils": 1,
        "placed": 0,
        "unplaced_count": 1,
        "skipped_booked": 0,
        "rank_counts": [0],
        "schools": [
            {"school_id": school_id, "pupils": 1, "placed": 0, "unplaced": 1, "rank_counts": [0]}
        ],
        "lottery": [pupil.id],
        "unplaced": [{"pupil_id": pupil.id}],
        "assignments": [],
    }


@dataclass
class Foreign:
    """School B's and school X's things ("B", "X"), and how their pupils show in an answer."""

    targets: dict[str, dict[str, int]]  # school, pupil, period, booking, run, slot
    marks: dict[str, set[str]]  # every value that identifies the school's pupil
    long_marks: dict[str, set[str]]  # those long enough to look for inside other strings

    @property
    def ids(self) -> list[str]:
        types = {
            "pupil": "Pupil",
            "booking": "Booking",
            "period": "Period",
            "run": "AllocationRun",
            "school": "School",
        }
        return [gid(t, things[key]) for things in self.targets.values() for key, t in types.items()]

    def sightings(self, response: httpx.Response) -> dict[str, list[str]]:
        """For each school, the strings of the answer that identify its pupil."""
        strings = leaves(response.json())
        return {
            key: [v for v in strings if v in marks]
            + [m for m in self.long_marks[key] if m in response.text]
            for key, marks in self.marks.items()
        }


async def foreign_things(world: World) -> Foreign:
    await Pupil.filter(id=world.pupil_b.id).update(email="bea.berg@example.se")
    await Pupil.filter(id=world.pupil_x.id).update(email="xena.xu@example.se")
    coordinator_x = await factories.user(Role.COORDINATOR, school_id=world.school_x.id)
    period_x = await factories.period(world.school_x)
    slot_x = await factories.slot(world.other_employer, title="Murare")
    booked_b = await book_slot(
        await world.actor(world.coordinator_b), world.slot.id, world.pupil_b.id
    )
    booked_x = await book_slot(
        Actor.for_user(coordinator_x, world.other_organiser.id), slot_x.id, world.pupil_x.id
    )
    assert booked_b.value is not None and booked_x.value is not None, (booked_b, booked_x)
    # No school of ours vets another organiser's employers: the target of both keys.
    pending_x = await factories.employer(world.other_organiser, status=EmployerStatus.PENDING)
    targets: dict[str, dict[str, int]] = {}
    marks: dict[str, set[str]] = {}
    long_marks: dict[str, set[str]] = {}
    assessed = {
        "B": await assessments.submitted(await world.actor(world.employer_user), world.slot_b_only),
        "X": await assessments.submitted(await world.actor(world.other_employer_user), slot_x),
    }
    for key, school, period, pupil, booking, slot in [
        ("B", world.school_b, world.period_b, world.pupil_b, booked_b.value, world.slot_b_only),
        ("X", world.school_x, period_x, world.pupil_x, booked_x.value, slot_x),
    ]:
        run = await AllocationRun.create(
            period_id=period.id,
            seed=1,
            policy=AllocationPolicy.CONVEX,
            status=AllocationStatus.DONE,
            started_by="test",
            result=proposal_of(pupil, school.id),
        )
        targets[key] = {
            "school": school.id,
            "pupil": pupil.id,
            "period": period.id,
            "booking": booking.id,
            "run": run.id,
            "slot": slot.id,
            "pending_employer": pending_x.id,
            "assessment": assessed[key].id,
        }
        row = await Pupil.get(id=pupil.id)
        assert row.email and row.external_id
        identity = gid("Pupil", row.id)
        marks[key] = {row.first_name, row.last_name, row.email, row.external_id, identity}
        long_marks[key] = {row.email, identity}
    return Foreign(targets, marks, long_marks)


def leaves(value: Any) -> list[str]:
    """Every string in a JSON answer."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in leaves(item)]
    if isinstance(value, list):
        return [s for item in value for s in leaves(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("kind", LEAK_CALLERS)
async def test_no_answer_carries_another_schools_pupils(kind: str, world: World, caller_of) -> None:
    foreign = await foreign_things(world)
    caller = await caller_of(kind, world)
    periods = [things["period"] for things in foreign.targets.values()]
    runs = [things["run"] for things in foreign.targets.values()]
    requests: list[tuple[str, dict[str, Any]]] = [
        (LISTS, {}),
        (NODES, {"ids": foreign.ids}),
        *[(NODE, {"id": value}) for value in foreign.ids],
        *[(OVERVIEW, {"id": gid("Period", pk)}) for pk in periods],
        *[(RUN, {"id": gid("AllocationRun", pk)}) for pk in runs],
    ]
    seen: dict[str, list[str]] = {"B": [], "X": []}
    for document, variables in requests:
        response = await caller.post(document, variables)
        if kind == "revoked_token":
            assert response.status_code == 401
            continue
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        for key, found in foreign.sightings(response).items():
            if found:
                seen[key].append(f"{document[:30]!r} {variables}: {found}")
    for key in ("B", "X"):
        if key in MAY_SEE[kind]:
            assert seen[key], f"{kind} should see school {key}'s pupil: is the check blind?"
        else:
            assert seen[key] == [], f"{kind} sees school {key}'s pupil: {seen[key]}"


# Nobody writes to another school's (or employer's) things

Targets = dict[str, int]
ForeignVariables = Callable[[World, Targets], dict[str, Any]]

# Each caller aims at a school that is not hers: school B for school A's people and token,
# school X (and its employer's slot) for our organiser's token and for our employer.
ACROSS_CALLERS = {
    "pupil": "B",
    "employer": "X",
    "coordinator_a": "B",
    "token_a": "B",
    "token_organiser": "X",
}


def refused(
    pupil: str, employer: str, coordinator_a: str, token_a: str, organiser: str
) -> dict[str, str]:
    return {
        "pupil": pupil,
        "employer": employer,
        "coordinator_a": coordinator_a,
        "token_a": token_a,
        "token_organiser": organiser,
    }


def upsert_input(school: str) -> dict[str, Any]:
    row = {
        "externalId": "kapad-1",
        "firstName": "Kapad",
        "lastName": "Elev",
        "yearGroup": 8,
        "className": "8K",
        "securityMarking": False,
    }
    return {"input": {"schoolId": school, "pupils": [row]}}


# Keyed by mutation name, with ":variant" where one mutation is tried more than one way.
ACROSS: dict[str, tuple[ForeignVariables, dict[str, str]]] = {
    "bookSlot": (
        lambda w, t: {
            "input": {"slotId": gid("Slot", t["slot"]), "pupilId": gid("Pupil", t["pupil"])}
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "bookSlot:own-pupil": (  # one's own pupil at a slot her school does not see
        lambda w, t: {
            "input": {"slotId": gid("Slot", t["slot"]), "pupilId": gid("Pupil", w.pupil_a.id)}
        },
        # Another organiser's slot does not exist for us; school B's is ours, not open to A.
        refused(NOT_VISIBLE, FORBIDDEN, NOT_VISIBLE, NOT_VISIBLE, NOT_FOUND),
    ),
    "cancelBooking": (
        lambda w, t: {"input": {"bookingId": gid("Booking", t["booking"])}},
        refused(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "updateSlot": (
        lambda w, t: {"input": slot_input(slotId=gid("Slot", t["slot"]))},
        refused(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "publishSlot": (
        lambda w, t: {"input": {"slotId": gid("Slot", t["slot"])}},
        refused(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "closeSlot": (
        lambda w, t: {"input": {"slotId": gid("Slot", t["slot"])}},
        refused(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "decideBooking": (
        lambda w, t: {"input": {"bookingId": gid("Booking", t["booking"]), "decision": "DECLINE"}},
        refused(FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "startAllocationRun": (
        lambda w, t: {"input": {"periodId": gid("Period", t["period"])}},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "applyAllocationRun": (
        lambda w, t: {"input": {"runId": gid("AllocationRun", t["run"])}},
        refused(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "submitWishes": (
        lambda w, t: {
            "input": {"periodId": gid("Period", t["period"]), "slotIds": [gid("Slot", t["slot"])]}
        },
        refused(NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "createPeriod": (
        lambda w, t: {"input": {**period_input(w), "schoolId": gid("School", t["school"])}},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "updatePeriod": (
        lambda w, t: {"input": {"periodId": gid("Period", t["period"]), "name": "Kapad"}},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "placePupil": (
        lambda w, t: {
            "input": {"pupilId": gid("Pupil", t["pupil"]), "slotId": gid("Slot", t["slot"])}
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "placePupil:own-pupil": (
        lambda w, t: {
            "input": {"pupilId": gid("Pupil", w.pupil_a.id), "slotId": gid("Slot", t["slot"])}
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "sendUnplacedReminders": (
        lambda w, t: {"input": {"periodId": gid("Period", t["period"])}},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "approveEmployer": (
        lambda w, t: {"input": {"employerId": gid("Employer", t["pending_employer"])}},
        # Another organiser's employer does not exist for our coordinator.
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    ),
    "declineEmployer": (
        lambda w, t: {
            "input": {"employerId": gid("Employer", t["pending_employer"]), "reason": "Nej"}
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    ),
    "submitRiskAssessment": (
        lambda w, t: {"input": assessments.graphql_input(gid("Slot", t["slot"]))},
        refused(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    # School B's slot is not open to school A and none of A's pupils is booked on it: its
    # assessment is not A's to review, nor another organiser's for ours.
    "approveRiskAssessment": (
        lambda w, t: {"input": {"assessmentId": gid("RiskAssessment", t["assessment"])}},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "requestRiskAssessmentChange": (
        lambda w, t: {
            "input": {"assessmentId": gid("RiskAssessment", t["assessment"]), "comment": "Nej"}
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "recordPaperConsent": (
        lambda w, t: {"input": paper_consent_input(gid("Booking", t["booking"]))},
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "recordAttendance": (
        lambda w, t: {
            "input": {
                "bookingId": gid("Booking", t["booking"]),
                "days": [{"date": w.slot.start_date.isoformat(), "status": "ABSENT"}],
            }
        },
        refused(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "upsertPupils": (
        lambda w, t: upsert_input(gid("School", t["school"])),
        # Another organiser's school must look like no school at all, as in createPeriod.
        refused(FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND),
    ),
}
NO_TARGET = {"createSlot", "registerSelfFoundPlacement"}  # they name nothing that exists


def test_every_write_is_tried_across_schools() -> None:
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert {key.split(":")[0] for key in ACROSS} | NO_TARGET == set(mutation_type.fields)


@pytest.mark.parametrize(
    ("key", "kind"),
    [pytest.param(key, kind, id=f"{key}-{kind}") for key in ACROSS for kind in ACROSS_CALLERS],
)
async def test_no_write_across_schools(key: str, kind: str, world: World, caller_of) -> None:
    name = key.split(":")[0]
    variables, expected = ACROSS[key]
    foreign = await foreign_things(world)
    caller = await caller_of(kind, world)
    before = await snapshot()
    target = foreign.targets[ACROSS_CALLERS[kind]]
    response = await caller.post(MATRIX[name].document, variables(world, target))
    assert outcome_of(response, name, MATRIX[name]) == expected[kind], response.text
    assert await snapshot() == before
    for school, found in foreign.sightings(response).items():
        assert school in MAY_SEE[kind] or found == [], (school, found)
