from tortoise import migrations
from tortoise.migrations import operations as ops
from prao.models.after import AttendanceStatus
from prao.models.credentials import LinkPurpose
from tortoise.fields.base import OnDelete
from tortoise import fields
from typing import Any


class _DescriptionOnly(ops.AlterField):
    """New choices of a character column change only its description: nothing in the database
    (on SQLite, Tortoise would copy the table and lose its indexes)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0011_preparation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AttendanceDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='attendance', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('status', fields.CharEnumField(description='PRESENT: present\nABSENT_REPORTED: absent_reported\nABSENT: absent\nLATE: late', enum_type=AttendanceStatus, max_length=20)),
                ('note', fields.CharField(default='', max_length=300)),
                ('recorded_by', fields.CharField(max_length=100)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'attendance_day', 'app': 'models', 'unique_together': (('booking', 'day'),), 'pk_attr': 'id', 'table_description': "One working day of a booking. A day without a row is not recorded yet. The supervisor's"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', null=True, db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.SET_NULL)),
                ('attendance_requested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('requested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_3_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_7_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('tasks', fields.TextField(default='', unique=False)),
                ('days_attended', fields.SmallIntField(default=0)),
                ('days_total', fields.SmallIntField(default=0)),
                ('punctuality', fields.SmallIntField(null=True)),
                ('initiative', fields.SmallIntField(null=True)),
                ('cooperation', fields.SmallIntField(null=True)),
                ('interest', fields.SmallIntField(null=True)),
                ('comment', fields.TextField(default='', unique=False)),
                ('signed_name', fields.CharField(default='', max_length=200)),
                ('signed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('code', fields.CharField(null=True, unique=True, max_length=20)),
                ('first_name', fields.CharField(default='', max_length=100)),
                ('employer_name', fields.CharField(default='', max_length=200)),
                ('organiser_name', fields.CharField(default='', max_length=200)),
                ('start_date', fields.DateField(null=True)),
                ('end_date', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'certificate', 'app': 'models', 'unique_together': (('booking',),), 'pk_attr': 'id', 'table_description': 'The certificate of one booking, asked of the supervisor after the last day, signed once.'},
            bases=['Model'],
        ),
        _DescriptionOnly(
            model_name='BookingLink',
            name='purpose',
            field=fields.CharEnumField(description='CONFIRM_SELF_FOUND: confirm_self_found\nGUARDIAN_CONSENT: guardian_consent\nCONFIRM_ATTENDANCE: confirm_attendance\nSIGN_CERTIFICATE: sign_certificate\nREPORT_NO_SHOW: report_no_show', enum_type=LinkPurpose, max_length=30),
        ),
    ]
