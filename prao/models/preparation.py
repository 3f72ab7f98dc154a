"""What a placement needs before the first day: the employer's risk assessment of a slot (in
versions), the schools' reviews of it, the guardians' consents, and the first-day brief sent
for a slot."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.people import Guardian, Organiser, School
    from prao.models.placements import Booking, Slot


class ConsentMode(StrEnum):
    """An organiser's rule for guardians' consent to a confirmed placement."""

    OFF = "off"
    ONE_GUARDIAN = "one_guardian"
    ALL_GUARDIANS = "all_guardians"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"  # being written; schools see the last submitted version
    SUBMITTED = "submitted"


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    CHANGE_REQUESTED = "change_requested"


class ConsentDecision(StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    REFUSED = "refused"


class ConsentMethod(StrEnum):
    """How a decision was given. A signing provider (BankID through a signing service) becomes
    one more method, its reference kept in GuardianConsent.evidence."""

    LINK = "link"  # the guardian's one-time e-mailed link
    PAPER = "paper"  # a signed paper, recorded by the coordinator


class RiskAssessment(Model):
    """One version of a slot's risk assessment. A submitted version is never edited: a change
    is a new version, which needs a new approval (prao.services.risk_assessment)."""

    id = fields.IntField(primary_key=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="assessments", on_delete=fields.CASCADE
    )
    slot_id: int
    # Annotated: Tortoise types SmallIntField values as Any.
    version: int = fields.SmallIntField()
    status = fields.CharEnumField(AssessmentStatus, max_length=20, default=AssessmentStatus.DRAFT)
    tasks = fields.TextField(default="")
    # {hazard code: {"present": bool, "measure": str}} for each of prao.hazards.HAZARDS.
    hazards: dict[str, dict[str, object]] = fields.JSONField(default=dict)
    supervisor_name = fields.CharField(max_length=200, default="")
    supervisor_phone = fields.CharField(max_length=40, default="")
    supervisor_email = fields.CharField(max_length=254, default="")
    supervisor_years: int | None = fields.SmallIntField(null=True)
    meeting_place = fields.CharField(max_length=300, default="")
    ask_for = fields.CharField(max_length=200, default="")
    clothing = fields.TextField(default="")
    lunch = fields.TextField(default="")
    emergency_name = fields.CharField(max_length=200, default="")
    emergency_phone = fields.CharField(max_length=40, default="")
    submitted_by = fields.CharField(max_length=100, default="")  # actor label, as audited
    submitted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "risk_assessment"
        unique_together = (("slot", "version"),)


class AssessmentReview(Model):
    """A school's (or, with no school, its whole organiser's) decision on one version."""

    id = fields.IntField(primary_key=True)
    assessment: fields.ForeignKeyRelation[RiskAssessment] = fields.ForeignKeyField(
        "models.RiskAssessment", related_name="reviews", on_delete=fields.CASCADE
    )
    assessment_id: int
    organiser: fields.ForeignKeyRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="assessment_reviews", on_delete=fields.CASCADE
    )
    organiser_id: int
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="assessment_reviews", null=True, on_delete=fields.CASCADE
    )
    school_id: int | None
    decision = fields.CharEnumField(ReviewDecision, max_length=20)
    comment = fields.TextField(default="")
    decided_by = fields.CharField(max_length=100)
    decided_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "assessment_review"
        indexes = (("assessment_id",), ("school_id",), ("organiser_id",))


class GuardianConsent(Model):
    """One guardian's consent to one booking: asked when the booking is confirmed, decided by
    the guardian's link or recorded from paper by the coordinator."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="consents", on_delete=fields.CASCADE
    )
    booking_id: int
    # None for a paper consent of a guardian the class list does not name.
    guardian: fields.ForeignKeyNullableRelation[Guardian] = fields.ForeignKeyField(
        "models.Guardian", related_name="consents", null=True, on_delete=fields.SET_NULL
    )
    guardian_id: int | None
    guardian_name = fields.CharField(max_length=200, default="")
    decision = fields.CharEnumField(ConsentDecision, max_length=20, default=ConsentDecision.PENDING)
    method = fields.CharEnumField(ConsentMethod, max_length=20, null=True)
    message = fields.TextField(default="")
    # What the guardian was shown when deciding: the organiser's information texts and the
    # assessment, each by version ("info 3, riskbedömning 2"), and when the page was opened.
    text_version = fields.CharField(max_length=100, default="")
    shown_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    recorded_by = fields.CharField(max_length=100, default="")  # actor label of a paper consent
    # What a signing provider returns about a signature (its reference, the signer), kept as is.
    evidence: dict[str, object] = fields.JSONField(default=dict)
    requested_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "guardian_consent"
        indexes = (("booking_id",), ("guardian_id",))
        # NULL guardians stay distinct: several paper consents may name no listed guardian.
        unique_together = (("booking", "guardian"),)


class FirstDayBrief(Model):
    """The first-day brief of a slot's start, sent once: the row is written in the
    transaction that writes the brief's messages, and its uniqueness makes a second sweep a
    no-op."""

    id = fields.IntField(primary_key=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="briefs", on_delete=fields.CASCADE
    )
    slot_id: int
    start_date = fields.DateField()
    sent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "first_day_brief"
        unique_together = (("slot", "start_date"),)
