"""What grants access without a password: one-time sign-in links, API tokens with their
permissions, and one-time links about a booking. Only a SHA-256 of each secret is stored."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.people import Guardian, Organiser, School, User
    from prao.models.placements import Booking


class Permission(StrEnum):
    """What an API token may do; people get theirs from their role."""

    READ = "read"
    WRITE = "write"
    ALLOCATE = "allocate"


class LinkPurpose(StrEnum):
    CONFIRM_SELF_FOUND = "confirm_self_found"
    GUARDIAN_CONSENT = "guardian_consent"
    CONFIRM_ATTENDANCE = "confirm_attendance"  # the supervisor confirms the week
    SIGN_CERTIFICATE = "sign_certificate"  # the supervisor signs the certificate
    REPORT_NO_SHOW = "report_no_show"  # the supervisor tells the school a pupil did not come
    EVALUATE_PLACEMENT = "evaluate_placement"  # the supervisor evaluates the placement
    REPORT_ABSENCE = "report_absence"  # a guardian reports the pupil sick or late, any day


class SignInToken(Model):
    """A one-time sign-in link. Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sign_in_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_token"
        indexes = (("user_id",),)


class ApiToken(Model):
    """A bearer token for a school system, scoped to one school or one organiser."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    token_hash = fields.CharField(max_length=64, unique=True)
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="api_tokens", null=True, on_delete=fields.CASCADE
    )
    school_id: int | None
    organiser: fields.ForeignKeyNullableRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="api_tokens", null=True, on_delete=fields.CASCADE
    )
    organiser_id: int | None
    # Comma-separated Permission values, e.g. "read,write".
    # Tokens made before permissions existed keep the rights they had.
    permissions = fields.CharField(max_length=100, default="read,write,allocate")
    created_by = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
        indexes = (("school_id",), ("organiser_id",))


class BookingLink(Model):
    """A one-time link for someone without an account (an employer confirming a self-found
    placement, a guardian deciding on consent). Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="links", on_delete=fields.CASCADE
    )
    booking_id: int
    purpose = fields.CharEnumField(LinkPurpose, max_length=30)
    # The guardian a consent link was mailed to: it decides for her alone.
    guardian: fields.ForeignKeyNullableRelation[Guardian] = fields.ForeignKeyField(
        "models.Guardian", related_name="links", null=True, on_delete=fields.CASCADE
    )
    guardian_id: int | None
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_link"
        indexes = (("booking_id",), ("guardian_id",))
