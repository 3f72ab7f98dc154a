from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from typing import Any


class _WithDefault(ops.AddField):
    """A NOT NULL column added with its default in the database as well: organisers already
    there take it (Tortoise's own AddField declares none, which fails on a table with rows)."""

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
    dependencies = [('models', '0014_guardian_absence_link')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Booking',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        _WithDefault(
            model_name='Organiser',
            name='retention_months',
            field=fields.SmallIntField(default=12),
            sql_type='SMALLINT',
            default='12',
        ),
        ops.AddField(
            model_name='Pupil',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
