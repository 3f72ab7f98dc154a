from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

CONSTRAINT = "outbox_event_booking_id_fkey"
# The table as migration 0007 made it, with and without the reference, for SQLite, which
# changes a column's constraint only by copying the table.
_COLUMNS = (
    '"id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "kind" VARCHAR(50) NOT NULL,'
    ' "snapshot" JSON NOT NULL, "expanded_at" TIMESTAMP, "created_at" TIMESTAMP NOT NULL,'
)
UNCHECKED = _COLUMNS + ' "booking_id" INT'
CHECKED = UNCHECKED + ' REFERENCES "booking" ("id") ON DELETE SET NULL'


async def _run(editor: Any, *statements: str) -> None:
    for statement in statements:
        await editor.client.execute_script(statement)


async def _copy_sqlite_table(editor: Any, columns: str, *before: str) -> None:
    """outbox_event copied into a table of these columns, with its indexes and its id
    sequence, as SQLite's ALTER TABLE advice has it."""
    client = editor.client
    _, indexes = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_event'"
        " AND sql IS NOT NULL"
    )
    _, sequence = await client.execute_query(
        "SELECT seq FROM sqlite_sequence WHERE name = 'outbox_event'"
    )
    names = "id, kind, snapshot, expanded_at, created_at, booking_id"
    await _run(
        editor,
        *before,
        f'CREATE TABLE "new__outbox_event" ({columns})',
        f"INSERT INTO new__outbox_event ({names}) SELECT {names} FROM outbox_event",
        "DROP TABLE outbox_event",
        "ALTER TABLE new__outbox_event RENAME TO outbox_event",
        *(row["sql"] for row in indexes),
    )
    if sequence:
        await client.execute_query(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox_event'", [sequence[0]["seq"]]
        )


async def drop_reference(apps: Any, editor: Any) -> None:
    if editor.DIALECT == "postgres":
        await _run(editor, f"ALTER TABLE outbox_event DROP CONSTRAINT {CONSTRAINT}")
    else:
        await _copy_sqlite_table(editor, UNCHECKED)


async def restore_reference(apps: Any, editor: Any) -> None:
    # Events of bookings deleted in between lose the id, as ON DELETE SET NULL would have.
    orphans = (
        "UPDATE outbox_event SET booking_id = NULL WHERE booking_id IS NOT NULL"
        " AND booking_id NOT IN (SELECT id FROM booking)"
    )
    if editor.DIALECT == "postgres":
        await _run(
            editor,
            orphans,
            f"ALTER TABLE outbox_event ADD CONSTRAINT {CONSTRAINT} FOREIGN KEY (booking_id)"
            " REFERENCES booking (id) ON DELETE SET NULL",
        )
    else:
        await _copy_sqlite_table(editor, CHECKED, orphans)


class _FieldState(ops.AlterField):
    """The field as the models now declare it; the table itself is changed by RunPython
    below (Tortoise changes no reference here on PostgreSQL, and on SQLite would copy the
    table keeping the reference and losing the partial index)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [("models", "0008_indexes")]

    initial = False

    # An outbox event names its booking without a foreign key: it is written in the
    # transaction that wrote or changed the booking, so the check of each event guards
    # nothing, and it cost an allocation of 100,000 pupils 0.4 s of database CPU. An event
    # is a fact: it keeps its booking's id. The index on booking_id stays.
    operations = [
        _FieldState(
            model_name="OutboxEvent",
            name="booking",
            field=fields.ForeignKeyField(
                "models.Booking",
                source_field="booking_id",
                null=True,
                db_constraint=False,
                to_field="id",
                related_name="events",
                on_delete=OnDelete.NO_ACTION,
            ),
        ),
        ops.RunPython(drop_reference, restore_reference),
    ]
