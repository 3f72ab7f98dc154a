from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0007_outbox_event")]

    initial = False

    # An index for every foreign key that had none (guardian.pupil_id first of all: every
    # booking's guardian look-up scanned the table) and for the audit page's organiser and
    # time; tests/domain/test_indexes.py keeps every foreign key indexed from now on.
    operations = [
        ops.AddIndex(
            model_name="AllocationRun",
            index=Index(fields=["period_id"]),
        ),
        ops.AddIndex(
            model_name="ApiToken",
            index=Index(fields=["school_id"]),
        ),
        ops.AddIndex(
            model_name="ApiToken",
            index=Index(fields=["organiser_id"]),
        ),
        ops.AddIndex(
            model_name="AuditEvent",
            index=Index(fields=["organiser_id", "created_at"]),
        ),
        ops.AddIndex(
            model_name="Booking",
            index=Index(fields=["pupil_id"]),
        ),
        ops.AddIndex(
            model_name="Booking",
            index=Index(fields=["slot_id"]),
        ),
        ops.AddIndex(
            model_name="Booking",
            index=Index(fields=["period_id"]),
        ),
        ops.AddIndex(
            model_name="BookingLink",
            index=Index(fields=["booking_id"]),
        ),
        ops.AddIndex(
            model_name="ClassListImport",
            index=Index(fields=["school_id"]),
        ),
        ops.AddIndex(
            model_name="Guardian",
            index=Index(fields=["pupil_id"]),
        ),
        ops.AddIndex(
            model_name="OutboxEvent",
            index=Index(fields=["booking_id"]),
        ),
        ops.AddIndex(
            model_name="OutboxMessage",
            index=Index(fields=["booking_id"]),
        ),
        ops.AddIndex(
            model_name="Period",
            index=Index(fields=["school_id"]),
        ),
        ops.AddIndex(
            model_name="SignInToken",
            index=Index(fields=["user_id"]),
        ),
        ops.AddIndex(
            model_name="Slot",
            index=Index(fields=["employer_id"]),
        ),
        ops.AddIndex(
            model_name="Slot",
            index=Index(fields=["supervisor_id"]),
        ),
        ops.AddIndex(
            model_name="Slot",
            index=Index(fields=["copied_from_id"]),
        ),
        ops.AddIndex(
            model_name="SlotVisibility",
            index=Index(fields=["school_id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["pupil_id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["employer_id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["school_id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["organiser_id"]),
        ),
        ops.AddIndex(
            model_name="Wish",
            index=Index(fields=["period_id"]),
        ),
        ops.AddIndex(
            model_name="Wish",
            index=Index(fields=["slot_id"]),
        ),
        # The events still to expand, for the worker's claim and the sweep: a partial index,
        # which both SQLite and PostgreSQL support and stays as small as the backlog.
        ops.RunSQL(
            "CREATE INDEX outbox_event_unexpanded ON outbox_event (id) WHERE expanded_at IS NULL",
            reverse_sql="DROP INDEX outbox_event_unexpanded",
        ),
    ]
