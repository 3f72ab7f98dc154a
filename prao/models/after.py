"""What happens during and after the placement: the attendance of each working day, and the
certificate (praktikintyg) the supervisor signs afterwards."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.placements import Booking


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT_REPORTED = "absent_reported"  # absent, and the absence was reported (sick, …)
    ABSENT = "absent"  # absent without a report
    LATE = "late"


class AttendanceDay(Model):
    """One working day of a booking. A day without a row is not recorded yet. The supervisor's
    confirmation of the week writes every day, each defaulting to present unless an absence
    was reported."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="attendance", on_delete=fields.CASCADE
    )
    booking_id: int
    day = fields.DateField()
    status = fields.CharEnumField(AttendanceStatus, max_length=20)
    note = fields.CharField(max_length=300, default="")
    recorded_by = fields.CharField(max_length=100)  # actor label, or "supervisor-link:<id>"
    # Set by the supervisor's confirmation of the week; a later correction keeps it.
    confirmed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "attendance_day"
        unique_together = (("booking", "day"),)


class Certificate(Model):
    """The certificate of one booking, asked of the supervisor after the last day, signed once.
    What `/intyg/{code}` tells (first name, employer, dates) is kept on the row itself, so it
    still verifies when the booking's personal data is erased."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="certificates", null=True, on_delete=fields.SET_NULL
    )
    booking_id: int | None
    # The row is made by the last day's request to confirm the week (its uniqueness makes a
    # second sweep a no-op); the certificate is asked for the day after.
    attendance_requested_at = fields.DatetimeField(null=True)
    requested_at = fields.DatetimeField(null=True)
    reminded_3_at = fields.DatetimeField(null=True)
    reminded_7_at = fields.DatetimeField(null=True)
    tasks = fields.TextField(default="")
    days_attended: int = fields.SmallIntField(default=0)
    days_total: int = fields.SmallIntField(default=0)
    # 1–4 each (prao.certificate.SCALE); None until signed.
    punctuality: int | None = fields.SmallIntField(null=True)
    initiative: int | None = fields.SmallIntField(null=True)
    cooperation: int | None = fields.SmallIntField(null=True)
    interest: int | None = fields.SmallIntField(null=True)
    comment = fields.TextField(default="")
    signed_name = fields.CharField(max_length=200, default="")
    signed_at = fields.DatetimeField(null=True)
    # Printed on the paper; unique, unguessable, and all that verification needs.
    code = fields.CharField(max_length=20, null=True, unique=True)
    first_name = fields.CharField(max_length=100, default="")
    employer_name = fields.CharField(max_length=200, default="")
    organiser_name = fields.CharField(max_length=200, default="")
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "certificate"
        unique_together = (("booking",),)
