from tortoise import migrations
from tortoise.migrations import operations as ops
from prao.models.credentials import LinkPurpose
from prao.models.evaluations import HostAgain
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from typing import Any


class _DescriptionOnly(ops.AlterField):
    """A new choice of a character column changes only its description: nothing in the
    database (on SQLite, Tortoise would copy the table and lose its indexes)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0012_attendance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Evaluation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', null=True, db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.SET_NULL)),
                ('period', fields.ForeignKeyField('models.Period', source_field='period_id', db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.CASCADE)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.CASCADE)),
                ('employer', fields.ForeignKeyField('models.Employer', source_field='employer_id', db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.CASCADE)),
                ('trade', fields.CharField(default='', max_length=100)),
                ('pupil_asked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pupil_reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pupil_answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('overall', fields.SmallIntField(null=True)),
                ('learned', fields.SmallIntField(null=True)),
                ('treated_well', fields.SmallIntField(null=True)),
                ('recommend', fields.SmallIntField(null=True)),
                ('pupil_comment', fields.TextField(default='', unique=False)),
                ('supervisor_asked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('supervisor_reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('supervisor_answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('went_well', fields.SmallIntField(null=True)),
                ('host_again', fields.CharEnumField(null=True, description='YES: yes\nNO: no\nMAYBE: maybe', enum_type=HostAgain, max_length=10)),
                ('places_next_year', fields.SmallIntField(null=True)),
                ('supervisor_comment', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'evaluation', 'app': 'models', 'unique_together': (('booking',),), 'indexes': [Index(fields=['period_id']), Index(fields=['school_id']), Index(fields=['employer_id'])], 'pk_attr': 'id', 'table_description': 'The evaluations of one booking. The row is made when the pupil and the supervisor are'},
            bases=['Model'],
        ),
        _DescriptionOnly(
            model_name='BookingLink',
            name='purpose',
            field=fields.CharEnumField(description='CONFIRM_SELF_FOUND: confirm_self_found\nGUARDIAN_CONSENT: guardian_consent\nCONFIRM_ATTENDANCE: confirm_attendance\nSIGN_CERTIFICATE: sign_certificate\nREPORT_NO_SHOW: report_no_show\nEVALUATE_PLACEMENT: evaluate_placement', enum_type=LinkPurpose, max_length=30),
        ),
    ]
