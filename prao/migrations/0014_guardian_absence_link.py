from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from prao.models.credentials import LinkPurpose
from typing import Any


class _DescriptionOnly(ops.AlterField):
    """New choices of a character column change only its description: nothing in the database
    (on SQLite, Tortoise would copy the table and lose its indexes)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0013_evaluations')]

    initial = False

    operations = [
        _DescriptionOnly(
            model_name='BookingLink',
            name='purpose',
            field=fields.CharEnumField(description='CONFIRM_SELF_FOUND: confirm_self_found\nGUARDIAN_CONSENT: guardian_consent\nCONFIRM_ATTENDANCE: confirm_attendance\nSIGN_CERTIFICATE: sign_certificate\nREPORT_NO_SHOW: report_no_show\nEVALUATE_PLACEMENT: evaluate_placement\nREPORT_ABSENCE: report_absence', enum_type=LinkPurpose, max_length=30),
        ),
    ]
