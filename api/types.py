"""GraphQL object types: plain objects built from rows, related objects through DataLoaders.

Related objects are declared with api.batched.loaded: their resolver is sync and returns the
loader's future, and a list fetches the whole column at once, so a page of 100 slots costs one
employer query and no task per row.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from api.batched import loaded
from api.consent_objects import GuardianConsent
from api.context import Info
from prao import errors, models, policy, readiness

if TYPE_CHECKING:
    from api.assessment_types import RiskAssessment

LazyAssessment = Annotated["RiskAssessment", strawberry.lazy("api.assessment_types")]

# The domain's enums, exposed as they are: every ErrorCode value is in the schema.
ErrorCode = errors.ErrorCode
BookingStatus = models.BookingStatus
BookingOrigin = models.BookingOrigin
PeriodMode = models.PeriodMode
SlotStatus = models.SlotStatus
Role = models.Role
EmployerStatus = models.EmployerStatus
strawberry.enum(ErrorCode, description="Why a mutation was refused.")
for _enum in (BookingStatus, BookingOrigin, PeriodMode, SlotStatus, Role):
    strawberry.enum(_enum)
strawberry.enum(
    EmployerStatus,
    description="A self-registered employer is PENDING until its organiser approves it; only "
    "an APPROVED employer's slots can be published.",
)


Readiness = readiness.Readiness
ReadinessStep = readiness.Step
strawberry.enum(
    Readiness,
    description="Whether a booking may start: READY when it is confirmed, its slot's risk "
    "assessment is approved for the pupil's school and the guardians have consented where the "
    "organiser asks for it; otherwise the first thing it waits for.",
)
strawberry.enum(
    ReadinessStep, name="ReadinessStep", description="A step a booking still waits for."
)


AttendanceStatus = models.AttendanceStatus
strawberry.enum(
    AttendanceStatus,
    description="A working day of a placement: PRESENT, LATE, ABSENT_REPORTED (absent, the "
    "absence reported) or ABSENT (absent without a report).",
)


@strawberry.type(description="One working day (Monday to Friday) of a placement.")
class AttendanceDay:
    date: date
    status: AttendanceStatus | None = strawberry.field(
        description="Null: not recorded yet (the supervisor confirms the week on its last day)."
    )
    note: str
    confirmed: bool = strawberry.field(description="Confirmed by the supervisor.")


@strawberry.type(
    name="Certificate",
    description="The praktikintyg the supervisor signed after the placement; anyone holding "
    "the paper checks it at /intyg/{verificationCode}.",
)
class CertificateInfo:
    signed_at: datetime
    signed_by: str = strawberry.field(description="The supervisor's name, as she signed.")
    verification_code: str
    days_attended: int = strawberry.field(description="Days present or late.")
    days_total: int = strawberry.field(description="Working days of the placement.")
    tasks: str
    punctuality: int = strawberry.field(description="1–4: behöver utvecklas … mycket bra.")
    initiative: int
    cooperation: int
    interest: int
    comment: str

    @classmethod
    def from_row(cls, row: models.Certificate) -> CertificateInfo:
        assert row.signed_at is not None and row.code is not None
        return cls(
            signed_at=row.signed_at,
            signed_by=row.signed_name,
            verification_code=row.code,
            days_attended=row.days_attended,
            days_total=row.days_total,
            tasks=row.tasks,
            punctuality=row.punctuality or 0,
            initiative=row.initiative or 0,
            cooperation=row.cooperation or 0,
            interest=row.interest or 0,
            comment=row.comment,
        )


@strawberry.enum
class ViewerKind(Enum):
    USER = "user"
    TOKEN = "token"
    ANONYMOUS = "anonymous"


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# Every slot of a list page formats two times of day: each minute of the day once, here.
_CLOCKS = tuple(_format_clock(m) for m in range(24 * 60))


def _clock(minutes: int) -> str:
    return _CLOCKS[minutes] if 0 <= minutes < len(_CLOCKS) else _format_clock(minutes)


@strawberry.type
class School(relay.Node):
    id: relay.NodeID[int]
    name: str

    @classmethod
    def from_row(cls, row: models.School) -> School:
        return cls(id=row.id, name=row.name)


@strawberry.type(description="A workplace that hosts pupils (arbetsplats).")
class Employer(relay.Node):
    id: relay.NodeID[int]
    name: str
    city: str
    address: str
    status: EmployerStatus

    @classmethod
    def from_row(cls, row: models.Employer) -> Employer:
        return cls(
            id=row.id,
            name=row.name,
            city=row.city,
            address=row.address,
            status=EmployerStatus(row.status),
        )


@strawberry.type(description="An employer's offer of placements (praoplats).")
class Slot(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str
    tasks: str
    address: str
    city: str
    trade: str
    start_date: date
    end_date: date
    day_starts_at: str = strawberry.field(description='Local wall-clock time, "08:00".')
    day_ends_at: str = strawberry.field(description='Local wall-clock time, "14:00".')
    capacity: int
    places_left: int
    min_age: int
    status: SlotStatus
    requires_approval: bool
    updated_at: datetime
    employer_id: strawberry.Private[int]

    employer: Employer = loaded("employer", "employer_id")

    @strawberry.field(
        description="The current (latest submitted) version of the slot's risk assessment, "
        "for its employer and the schools that may read it; null for anyone else."
    )
    async def risk_assessment(self, info: Info) -> LazyAssessment | None:
        return (await info.context.loaders.slot_assessments.load(self.id))[0]

    @strawberry.field(description="The employer's own draft of the next version, if any.")
    async def risk_assessment_draft(self, info: Info) -> LazyAssessment | None:
        return (await info.context.loaders.slot_assessments.load(self.id))[1]

    @classmethod
    def from_row(cls, row: models.Slot) -> Slot:
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            tasks=row.tasks,
            address=row.address,
            city=row.city,
            trade=row.trade,
            start_date=row.start_date,
            end_date=row.end_date,
            day_starts_at=_clock(row.starts_minute),
            day_ends_at=_clock(row.ends_minute),
            capacity=row.capacity,
            places_left=row.places_left,
            min_age=row.min_age,
            status=SlotStatus(row.status),
            requires_approval=row.requires_approval,
            updated_at=row.updated_at,
            employer_id=row.employer_id,
        )


@strawberry.type(description="A school's prao weeks for one year group, with its booking window.")
class Period(relay.Node):
    id: relay.NodeID[int]
    name: str
    year_group: int
    start_date: date
    end_date: date
    booking_opens_at: datetime
    booking_closes_at: datetime
    cancel_deadline: datetime
    mode: PeriodMode
    max_wishes: int
    allocation_policy: models.AllocationPolicy  # registered as an enum in api.allocation_types
    school_id: strawberry.Private[int]

    school: School = loaded("school", "school_id")

    @classmethod
    def from_row(cls, row: models.Period) -> Period:
        return cls(
            id=row.id,
            name=row.name,
            year_group=row.year_group,
            start_date=row.start_date,
            end_date=row.end_date,
            booking_opens_at=row.booking_opens_at,
            booking_closes_at=row.booking_closes_at,
            cancel_deadline=row.cancel_deadline,
            mode=PeriodMode(row.mode),
            max_wishes=row.max_wishes,
            allocation_policy=models.AllocationPolicy(row.allocation_policy),
            school_id=row.school_id,
        )


@strawberry.type(
    description=(
        "A pupil, as the caller may see her: a field the caller may not see is null. An "
        "employer sees a booked pupil's first name, school and year group; of a pupil with "
        "protected identity the first name only."
    )
)
class Pupil(relay.Node):
    id: relay.NodeID[int]
    first_name: str
    last_name: str | None
    year_group: int | None
    class_name: str | None
    email: str | None
    external_id: str | None
    updated_at: datetime | None
    erased: bool = strawberry.field(
        description="Her personal data is erased (a tombstone): the other fields are blank or "
        "null, and a copy should drop them. `pupils(updatedSince:)` returns the erasure."
    )
    school_id: strawberry.Private[int | None]

    school: School | None = loaded("school", "school_id")

    @classmethod
    def from_view(cls, view: policy.PupilView) -> Pupil:
        """Built only from what prao.policy.pupil_view decided the caller may see."""
        return cls(
            id=view.id,
            first_name=view.first_name,
            last_name=view.last_name,
            year_group=view.year_group,
            class_name=view.class_name,
            email=view.email,
            external_id=view.external_id,
            updated_at=view.updated_at,
            erased=view.erased,
            school_id=view.school_id,
        )


@strawberry.type(description="A pupil placed at a slot (bokning), pending or decided.")
class Booking(relay.Node):
    id: relay.NodeID[int]
    status: BookingStatus
    origin: BookingOrigin
    reason: str
    created_at: datetime
    updated_at: datetime
    erased: bool = strawberry.field(
        description="Its personal fields are erased (a tombstone): an anonymous row of slot, "
        "period, status and origin, without consents and with blank notes. "
        "`bookings(updatedSince:)` returns the erasure."
    )
    slot_id: strawberry.Private[int]
    pupil_id: strawberry.Private[int]
    period_id: strawberry.Private[int]

    slot: Slot = loaded("slot", "slot_id")
    pupil: Pupil = loaded("pupil", "pupil_id")
    period: Period | None = loaded(
        "booking_period",
        "period_id",
        description="The school's period; null for an employer (it names the school and year "
        "group).",
    )
    readiness: Readiness = loaded("readiness", "id", description="'Klar för prao', or not yet.")
    missing_steps: list[ReadinessStep] = loaded(
        "missing_steps", "id", description="Every step the booking still waits for, in order."
    )
    next_step: str = loaded("next_step", "id", description="What happens next, in plain Swedish.")
    guardian_consents: list[GuardianConsent] = loaded(
        "booking_consents",
        "id",
        description="Each guardian's consent, where the organiser asks for it; the guardians' "
        "names only for the pupil and her school.",
    )
    attendance: list[AttendanceDay] = loaded(
        "attendance",
        "id",
        description="Every working day of the placement with its attendance. A change of "
        "attendance moves the booking's updatedAt, so `bookings(updatedSince:)` syncs it.",
    )
    certificate: CertificateInfo | None = loaded(
        "certificate",
        "id",
        description="The signed certificate; null until the supervisor has signed it (signing "
        "moves the booking's updatedAt).",
    )

    @classmethod
    def from_row(cls, row: models.Booking) -> Booking:
        return cls(
            id=row.id,
            status=BookingStatus(row.status),
            origin=BookingOrigin(row.origin),
            reason=row.reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
            erased=row.erased_at is not None,
            slot_id=row.slot_id,
            pupil_id=row.pupil_id,
            period_id=row.period_id,
        )
