"""Tortoise models: the persistent shape of the domain (see DESIGN.md §1 for the words), one
module per area. Tortoise discovers the models of the app in this module, and callers import
every model and enum from here."""

from prao.models.after import AttendanceDay, AttendanceStatus, Certificate
from prao.models.allocation import AllocationPolicy, AllocationRun, AllocationStatus, Wish
from prao.models.credentials import ApiToken, BookingLink, LinkPurpose, Permission, SignInToken
from prao.models.evaluations import Evaluation, HostAgain
from prao.models.people import (
    ClassListImport,
    Employer,
    EmployerStatus,
    Guardian,
    Organiser,
    Pupil,
    Role,
    School,
    User,
)
from prao.models.placements import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingOrigin,
    BookingStatus,
    Period,
    PeriodMode,
    Slot,
    SlotStatus,
    SlotVisibility,
)
from prao.models.preparation import (
    AssessmentReview,
    AssessmentStatus,
    ConsentDecision,
    ConsentMethod,
    ConsentMode,
    FirstDayBrief,
    GuardianConsent,
    ReviewDecision,
    RiskAssessment,
)
from prao.models.records import (
    AuditEvent,
    MailThrottle,
    OutboxEvent,
    OutboxMessage,
    OutboxStatus,
)

__all__ = [
    "ACTIVE_BOOKING_STATUSES",
    "AllocationPolicy",
    "AllocationRun",
    "AllocationStatus",
    "ApiToken",
    "AssessmentReview",
    "AssessmentStatus",
    "AttendanceDay",
    "AttendanceStatus",
    "AuditEvent",
    "Booking",
    "BookingLink",
    "BookingOrigin",
    "BookingStatus",
    "Certificate",
    "ClassListImport",
    "ConsentDecision",
    "ConsentMethod",
    "ConsentMode",
    "Employer",
    "EmployerStatus",
    "Evaluation",
    "FirstDayBrief",
    "Guardian",
    "GuardianConsent",
    "HostAgain",
    "LinkPurpose",
    "MailThrottle",
    "Organiser",
    "OutboxEvent",
    "OutboxMessage",
    "OutboxStatus",
    "Period",
    "PeriodMode",
    "Permission",
    "Pupil",
    "ReviewDecision",
    "RiskAssessment",
    "Role",
    "School",
    "SignInToken",
    "Slot",
    "SlotStatus",
    "SlotVisibility",
    "User",
    "Wish",
]
