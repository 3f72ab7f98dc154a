from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

CHECK_NAME = "slot_taken_within_capacity"


async def add_capacity_check(apps: Any, editor: Any) -> None:
    # SQLite cannot add a CHECK to an existing table, and serialises writers anyway; on
    # PostgreSQL the check backs up the conditional UPDATE that reserves a place.
    if editor.DIALECT == "postgres":
        await editor.client.execute_script(
            f"ALTER TABLE slot ADD CONSTRAINT {CHECK_NAME} "
            "CHECK (taken >= 0 AND taken <= capacity AND capacity >= 0)"
        )


async def drop_capacity_check(apps: Any, editor: Any) -> None:
    if editor.DIALECT == "postgres":
        await editor.client.execute_script(f"ALTER TABLE slot DROP CONSTRAINT {CHECK_NAME}")


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    # A pupil holds at most one pending or confirmed booking per period: a partial unique
    # index, which both SQLite and PostgreSQL support.
    operations = [
        ops.RunSQL(
            "CREATE UNIQUE INDEX booking_one_active_per_period ON booking (pupil_id, period_id) "
            "WHERE status IN ('pending', 'confirmed')",
            reverse_sql="DROP INDEX booking_one_active_per_period",
        ),
        ops.RunPython(add_capacity_check, drop_capacity_check),
    ]
