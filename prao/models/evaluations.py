"""The evaluations after a placement: the pupil's five questions and the supervisor's three,
one row per booking. Scores are small integers in columns of their own, so that statistics
aggregate them in SQL; free text is in columns of its own, so that retention can blank it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.people import Employer, School
    from prao.models.placements import Booking, Period


class HostAgain(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Evaluation(Model):
    """The evaluations of one booking. The row is made when the pupil and the supervisor are
    first asked (the day after the last day), or by the pupil's answer if she is quicker; its
    uniqueness makes a second sweep a no-op. Period, school, employer and trade are copied from
    the booking, so statistics group without reading a pupil and still add up once the
    booking's personal data is erased.

    Response rate: answered (`*_answered_at` set) over asked (`*_asked_at` set)."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="evaluations", null=True, on_delete=fields.SET_NULL
    )
    booking_id: int | None
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="evaluations", on_delete=fields.CASCADE
    )
    period_id: int
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="evaluations", on_delete=fields.CASCADE
    )
    school_id: int
    employer: fields.ForeignKeyRelation[Employer] = fields.ForeignKeyField(
        "models.Employer", related_name="evaluations", on_delete=fields.CASCADE
    )
    employer_id: int
    trade = fields.CharField(max_length=100, default="")

    # The pupil: four questions on a 1–4 scale (prao.evaluation.PUPIL_QUESTIONS), one in words.
    pupil_asked_at = fields.DatetimeField(null=True)
    pupil_reminded_at = fields.DatetimeField(null=True)
    pupil_answered_at = fields.DatetimeField(null=True)
    overall: int | None = fields.SmallIntField(null=True)
    learned: int | None = fields.SmallIntField(null=True)
    treated_well: int | None = fields.SmallIntField(null=True)
    recommend: int | None = fields.SmallIntField(null=True)
    pupil_comment = fields.TextField(default="")

    # The supervisor, by one-time link: how it went (1–4), hosting again, places next year.
    supervisor_asked_at = fields.DatetimeField(null=True)
    supervisor_reminded_at = fields.DatetimeField(null=True)
    supervisor_answered_at = fields.DatetimeField(null=True)
    went_well: int | None = fields.SmallIntField(null=True)
    host_again = fields.CharEnumField(HostAgain, max_length=10, null=True)
    places_next_year: int | None = fields.SmallIntField(null=True)
    supervisor_comment = fields.TextField(default="")

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "evaluation"
        unique_together = (("booking",),)
        indexes = (("period_id",), ("school_id",), ("employer_id",))
