import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from prao.models import BookingOrigin, BookingStatus, OutboxStatus, PeriodMode, Role, SlotStatus


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("actor", fields.CharField(max_length=100)),
                ("action", fields.CharField(max_length=100)),
                ("object_type", fields.CharField(max_length=50)),
                ("object_count", fields.IntField(default=0)),
                (
                    "detail",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "audit_event",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Who read or changed what. Every read of pupil data by staff or API clients lands here.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Organiser",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "organiser", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Employer",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "organiser",
                    fields.ForeignKeyField(
                        "models.Organiser",
                        source_field="organiser_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="employers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("org_number", fields.CharField(null=True, max_length=20)),
                ("contact_email", fields.CharField(null=True, max_length=254)),
                ("address", fields.CharField(default="", max_length=200)),
                ("city", fields.CharField(default="", max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "employer", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="School",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "organiser",
                    fields.ForeignKeyField(
                        "models.Organiser",
                        source_field="organiser_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="schools",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("contact_email", fields.CharField(null=True, max_length=254)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "school",
                "app": "models",
                "unique_together": (("organiser", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=200)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="api_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organiser",
                    fields.ForeignKeyField(
                        "models.Organiser",
                        source_field="organiser_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="api_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token for a school system, scoped to one school or one organiser.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Period",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="periods",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("year_group", fields.SmallIntField()),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
                ("booking_opens_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("booking_closes_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("cancel_deadline", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "mode",
                    fields.CharEnumField(
                        default=PeriodMode.FIRST_COME,
                        description="FIRST_COME: first_come\nALLOCATION: allocation",
                        enum_type=PeriodMode,
                        max_length=20,
                    ),
                ),
                ("max_wishes", fields.SmallIntField(default=5)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "period", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Pupil",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pupils",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("first_name", fields.CharField(max_length=100)),
                ("last_name", fields.CharField(max_length=100)),
                ("year_group", fields.SmallIntField()),
                ("class_name", fields.CharField(default="", max_length=20)),
                ("email", fields.CharField(null=True, max_length=254)),
                ("birth_date", fields.DateField(null=True)),
                ("security_marking", fields.BooleanField(default=False)),
                ("external_id", fields.CharField(null=True, max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
            ],
            options={
                "table": "pupil",
                "app": "models",
                "unique_together": (("school", "external_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Guardian",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "pupil",
                    fields.ForeignKeyField(
                        "models.Pupil",
                        source_field="pupil_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="guardians",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(default="", max_length=200)),
                ("email", fields.CharField(null=True, max_length=254)),
            ],
            options={"table": "guardian", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Slot",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "employer",
                    fields.ForeignKeyField(
                        "models.Employer",
                        source_field="employer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="slots",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("tasks", fields.TextField(default="", unique=False)),
                ("address", fields.CharField(default="", max_length=200)),
                ("city", fields.CharField(default="", db_index=True, max_length=100)),
                ("trade", fields.CharField(default="", db_index=True, max_length=100)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
                ("starts_minute", fields.SmallIntField()),
                ("ends_minute", fields.SmallIntField()),
                ("break_minutes", fields.SmallIntField(default=30)),
                ("capacity", fields.IntField()),
                ("taken", fields.IntField(default=0)),
                ("min_age", fields.SmallIntField(default=0)),
                ("visible_to_all", fields.BooleanField(default=True)),
                (
                    "status",
                    fields.CharEnumField(
                        default=SlotStatus.DRAFT,
                        description="DRAFT: draft\nPUBLISHED: published\nCLOSED: closed",
                        enum_type=SlotStatus,
                        max_length=20,
                    ),
                ),
                ("requires_approval", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
            ],
            options={"table": "slot", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SlotVisibility",
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
                        related_name="visibility",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "school",
                    fields.ForeignKeyField(
                        "models.School",
                        source_field="school_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="visible_slots",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "slot_visibility",
                "app": "models",
                "unique_together": (("slot", "school"),),
                "pk_attr": "id",
                "table_description": "A school that may see a slot whose `visible_to_all` is false.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(default="", max_length=200)),
                (
                    "role",
                    fields.CharEnumField(
                        description="PUPIL: pupil\nEMPLOYER: employer\nCOORDINATOR: coordinator\nADMIN: admin",
                        enum_type=Role,
                        max_length=20,
                    ),
                ),
                (
                    "pupil",
                    fields.ForeignKeyField(
                        "models.Pupil",
                        source_field="pupil_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "employer",
                    fields.ForeignKeyField(
                        "models.Employer",
                        source_field="employer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
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
                        related_name="staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organiser",
                    fields.ForeignKeyField(
                        "models.Organiser",
                        source_field="organiser_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="admins",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "app_user", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Booking",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "pupil",
                    fields.ForeignKeyField(
                        "models.Pupil",
                        source_field="pupil_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bookings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "slot",
                    fields.ForeignKeyField(
                        "models.Slot",
                        source_field="slot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bookings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "period",
                    fields.ForeignKeyField(
                        "models.Period",
                        source_field="period_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bookings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="PENDING: pending\nCONFIRMED: confirmed\nDECLINED: declined\nCANCELLED: cancelled",
                        enum_type=BookingStatus,
                        max_length=20,
                    ),
                ),
                (
                    "origin",
                    fields.CharEnumField(
                        description="PUPIL: pupil\nSTAFF: staff\nAPI: api\nSELF_FOUND: self_found\nALLOCATION: allocation",
                        enum_type=BookingOrigin,
                        max_length=20,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bookings_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "decided_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="decided_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="bookings_decided",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "booking", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("kind", fields.CharField(max_length=50)),
                ("to_address", fields.CharField(null=True, max_length=254)),
                ("subject", fields.CharField(max_length=300)),
                ("body", fields.TextField(unique=False)),
                (
                    "booking",
                    fields.ForeignKeyField(
                        "models.Booking",
                        source_field="booking_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=OutboxStatus.PENDING,
                        description="PENDING: pending\nSENT: sent\nFAILED: failed",
                        enum_type=OutboxStatus,
                        max_length=20,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(default="", unique=False)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An e-mail to send, written in the same transaction as the change it reports.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SignInToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sign_in_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "sign_in_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time sign-in link. Only the SHA-256 of the token is stored.",
            },
            bases=["Model"],
        ),
    ]
