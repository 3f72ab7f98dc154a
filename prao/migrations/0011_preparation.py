from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from prao.models.credentials import LinkPurpose
from prao.models.preparation import (
    AssessmentStatus,
    ConsentDecision,
    ConsentMethod,
    ConsentMode,
    ReviewDecision,
)
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class _DescriptionOnly(ops.AlterField):
    """A new choice of a character column changes only its description: nothing in the
    database (on SQLite, Tortoise would copy the table and lose its indexes)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class _WithDefault(ops.AddField):
    """A NOT NULL column added with its default in the database as well: rows already there
    take it (Tortoise's own AddField declares none, which fails on a table with rows), and so
    does an insert that does not name the column."""

    def __init__(self, model_name: str, name: str, field: Any, sql_type: str, default: str):
        super().__init__(model_name=model_name, name=name, field=field)
        self.table, self.sql = model_name.lower(), f"{sql_type} NOT NULL DEFAULT {default}"

    async def database_forward(self, app_label: str, old_state: Any, new_state: Any,
                               state_editor: Any = None) -> None:  # fmt: skip
        if state_editor is not None:
            await state_editor.client.execute_script(
                f'ALTER TABLE "{self.table}" ADD COLUMN "{self.name}" {self.sql}'
            )

    async def database_backward(self, app_label: str, old_state: Any, new_state: Any,
                                state_editor: Any = None) -> None:  # fmt: skip
        if state_editor is not None:
            await state_editor.client.execute_script(
                f'ALTER TABLE "{self.table}" DROP COLUMN "{self.name}"'
            )


class Migration(migrations.Migration):
    dependencies = [("models", "0010_run_result_lz4")]

    initial = False

    operations = [
        ops.CreateModel(
            name="FirstDayBrief",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "slot",
                    fields.ForeignKeyField(
                        "models.Slot",
                        source_field="slot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="briefs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("start_date", fields.DateField()),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "first_day_brief",
                "app": "models",
                "unique_together": (("slot", "start_date"),),
                "pk_attr": "id",
                "table_description": "The first-day brief of a slot's start, sent once: the row is written in the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GuardianConsent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "booking",
                    fields.ForeignKeyField(
                        "models.Booking",
                        source_field="booking_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "guardian",
                    fields.ForeignKeyField(
                        "models.Guardian",
                        source_field="guardian_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("guardian_name", fields.CharField(default="", max_length=200)),
                (
                    "decision",
                    fields.CharEnumField(
                        default=ConsentDecision.PENDING,
                        description="PENDING: pending\nGIVEN: given\nREFUSED: refused",
                        enum_type=ConsentDecision,
                        max_length=20,
                    ),
                ),
                (
                    "method",
                    fields.CharEnumField(
                        null=True,
                        description="LINK: link\nPAPER: paper",
                        enum_type=ConsentMethod,
                        max_length=20,
                    ),
                ),
                ("message", fields.TextField(default="", unique=False)),
                ("text_version", fields.CharField(default="", max_length=100)),
                ("shown_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("recorded_by", fields.CharField(default="", max_length=100)),
                (
                    "evidence",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "requested_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "reminded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
            ],
            options={
                "table": "guardian_consent",
                "app": "models",
                "unique_together": (("booking", "guardian"),),
                "indexes": [Index(fields=["booking_id"]), Index(fields=["guardian_id"])],
                "pk_attr": "id",
                "table_description": "One guardian's consent to one booking: asked when the booking is confirmed, decided by",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RiskAssessment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "slot",
                    fields.ForeignKeyField(
                        "models.Slot",
                        source_field="slot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.SmallIntField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=AssessmentStatus.DRAFT,
                        description="DRAFT: draft\nSUBMITTED: submitted",
                        enum_type=AssessmentStatus,
                        max_length=20,
                    ),
                ),
                ("tasks", fields.TextField(default="", unique=False)),
                (
                    "hazards",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("supervisor_name", fields.CharField(default="", max_length=200)),
                ("supervisor_phone", fields.CharField(default="", max_length=40)),
                ("supervisor_email", fields.CharField(default="", max_length=254)),
                ("supervisor_years", fields.SmallIntField(null=True)),
                ("meeting_place", fields.CharField(default="", max_length=300)),
                ("ask_for", fields.CharField(default="", max_length=200)),
                ("clothing", fields.TextField(default="", unique=False)),
                ("lunch", fields.TextField(default="", unique=False)),
                ("emergency_name", fields.CharField(default="", max_length=200)),
                ("emergency_phone", fields.CharField(default="", max_length=40)),
                ("submitted_by", fields.CharField(default="", max_length=100)),
                (
                    "submitted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
            ],
            options={
                "table": "risk_assessment",
                "app": "models",
                "unique_together": (("slot", "version"),),
                "pk_attr": "id",
                "table_description": "One version of a slot's risk assessment. A submitted version is never edited: a change",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AssessmentReview",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "assessment",
                    fields.ForeignKeyField(
                        "models.RiskAssessment",
                        source_field="assessment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reviews",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organiser",
                    fields.ForeignKeyField(
                        "models.Organiser",
                        source_field="organiser_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessment_reviews",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="assessment_reviews",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "decision",
                    fields.CharEnumField(
                        description="APPROVED: approved\nCHANGE_REQUESTED: change_requested",
                        enum_type=ReviewDecision,
                        max_length=20,
                    ),
                ),
                ("comment", fields.TextField(default="", unique=False)),
                ("decided_by", fields.CharField(max_length=100)),
                (
                    "decided_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "assessment_review",
                "app": "models",
                "indexes": [
                    Index(fields=["assessment_id"]),
                    Index(fields=["school_id"]),
                    Index(fields=["organiser_id"]),
                ],
                "pk_attr": "id",
                "table_description": "A school's (or, with no school, its whole organiser's) decision on one version.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Booking",
            name="brief_sent_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        _DescriptionOnly(
            model_name="BookingLink",
            name="purpose",
            field=fields.CharEnumField(
                description="CONFIRM_SELF_FOUND: confirm_self_found\nGUARDIAN_CONSENT: guardian_consent",
                enum_type=LinkPurpose,
                max_length=30,
            ),
        ),
        ops.AddField(
            model_name="BookingLink",
            name="guardian",
            field=fields.ForeignKeyField(
                "models.Guardian",
                source_field="guardian_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="links",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddIndex(
            model_name="BookingLink",
            index=Index(fields=["guardian_id"]),
        ),
        _WithDefault(
            model_name="Organiser",
            name="consent_mode",
            field=fields.CharEnumField(
                default=ConsentMode.OFF,
                description="OFF: off\nONE_GUARDIAN: one_guardian\nALL_GUARDIANS: all_guardians",
                enum_type=ConsentMode,
                max_length=20,
            ),
            sql_type="VARCHAR(20)",
            default="'off'",
        ),
        _WithDefault(
            model_name="Organiser",
            name="info_contact",
            field=fields.TextField(default="", unique=False),
            sql_type="TEXT",
            default="''",
        ),
        _WithDefault(
            model_name="Organiser",
            name="info_insurance",
            field=fields.TextField(default="", unique=False),
            sql_type="TEXT",
            default="''",
        ),
        _WithDefault(
            model_name="Organiser",
            name="info_lunch",
            field=fields.TextField(default="", unique=False),
            sql_type="TEXT",
            default="''",
        ),
        _WithDefault(
            model_name="Organiser",
            name="info_travel",
            field=fields.TextField(default="", unique=False),
            sql_type="TEXT",
            default="''",
        ),
        ops.AddField(
            model_name="Organiser",
            name="info_updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        _WithDefault(
            model_name="Organiser",
            name="info_version",
            field=fields.IntField(default=0),
            sql_type="INT",
            default="0",
        ),
    ]
