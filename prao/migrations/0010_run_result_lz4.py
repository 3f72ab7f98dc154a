from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

# Where the server has it (PostgreSQL 14 and later, built with lz4).
_HAS_LZ4 = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


async def _compress(editor: Any, method: str) -> None:
    # Storage only: SQLite keeps the column as it is, and so does a server without lz4.
    if editor.DIALECT != "postgres":
        return
    _, rows = await editor.client.execute_query(_HAS_LZ4)
    if rows:
        await editor.client.execute_script(
            f"ALTER TABLE allocation_run ALTER COLUMN result SET COMPRESSION {method}"
        )


async def use_lz4(apps: Any, editor: Any) -> None:
    await _compress(editor, "lz4")


async def use_pglz(apps: Any, editor: Any) -> None:
    await _compress(editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("models", "0009_event_booking_unchecked")]

    initial = False

    # A run's proposal is megabytes of JSON at 100,000 pupils, written by the dry run and again
    # when the apply adds its timings: with lz4 that second write took 0.03-0.05 s of database
    # CPU where pglz, the default, took 0.13-0.17 s, and reads are faster too. Rows already
    # stored keep their compression until they are written again.
    operations = [ops.RunPython(use_lz4, use_pglz)]
