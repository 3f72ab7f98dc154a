from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from prao.models import AllocationPolicy, AllocationStatus, LinkPurpose, OutboxStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_one_active_booking')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AllocationRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.ForeignKeyField('models.Period', source_field='period_id', db_constraint=True, to_field='id', related_name='allocation_runs', on_delete=OnDelete.CASCADE)),
                ('seed', fields.BigIntField()),
                ('policy', fields.CharEnumField(description='CONVEX: convex\nLINEAR: linear\nMOST_FIRST_WISHES: most_first_wishes\nFEWEST_LAST_WISHES: fewest_last_wishes', enum_type=AllocationPolicy, max_length=30)),
                ('dry_run', fields.BooleanField(default=True)),
                ('status', fields.CharEnumField(default=AllocationStatus.QUEUED, description='QUEUED: queued\nRUNNING: running\nDONE: done\nAPPLIED: applied\nFAILED: failed\nSTALE: stale', enum_type=AllocationStatus, max_length=20)),
                ('progress', fields.SmallIntField(default=0)),
                ('progress_text', fields.CharField(default='', max_length=200)),
                ('started_by', fields.CharField(max_length=100)),
                ('parameters', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('result', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('fingerprint', fields.CharField(default='', max_length=64)),
                ('error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('applied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'allocation_run', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One allocation run: its seed and parameters, progress, proposal and outcome.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='links', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='CONFIRM_SELF_FOUND: confirm_self_found', enum_type=LinkPurpose, max_length=30)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('email', fields.CharField(max_length=254)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'booking_link', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time link for someone without an account (an employer confirming a self-found'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ClassListImport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('models.School', source_field='school_id', db_constraint=True, to_field='id', related_name='imports', on_delete=OnDelete.CASCADE)),
                ('uploaded_by', fields.CharField(max_length=100)),
                ('filename', fields.CharField(default='', max_length=255)),
                ('content', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('applied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'class_list_import', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An uploaded class list, kept between preview and confirmation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Wish',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('pupil', fields.ForeignKeyField('models.Pupil', source_field='pupil_id', db_constraint=True, to_field='id', related_name='wishes', on_delete=OnDelete.CASCADE)),
                ('period', fields.ForeignKeyField('models.Period', source_field='period_id', db_constraint=True, to_field='id', related_name='wishes', on_delete=OnDelete.CASCADE)),
                ('slot', fields.ForeignKeyField('models.Slot', source_field='slot_id', db_constraint=True, to_field='id', related_name='wishes', on_delete=OnDelete.CASCADE)),
                ('rank', fields.SmallIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wish', 'app': 'models', 'unique_together': (('pupil', 'period', 'rank'), ('pupil', 'period', 'slot')), 'pk_attr': 'id', 'table_description': "A pupil's ranked wish (1 = first) for a slot in an allocation period."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Booking',
            name='flagged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Booking',
            name='reminder_sent_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='status',
            field=fields.CharEnumField(default=OutboxStatus.PENDING, db_index=True, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed', enum_type=OutboxStatus, max_length=20),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachment',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachment_name',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachment_type',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='claimed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Period',
            name='allocation_policy',
            field=fields.CharEnumField(default=AllocationPolicy.CONVEX, description='CONVEX: convex\nLINEAR: linear\nMOST_FIRST_WISHES: most_first_wishes\nFEWEST_LAST_WISHES: fewest_last_wishes', enum_type=AllocationPolicy, max_length=30),
        ),
        ops.AddField(
            model_name='Slot',
            name='copied_from',
            field=fields.ForeignKeyField('models.Slot', source_field='copied_from_id', null=True, db_constraint=True, to_field='id', related_name='copies', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Slot',
            name='supervisor',
            field=fields.ForeignKeyField('models.User', source_field='supervisor_id', null=True, db_constraint=True, to_field='id', related_name='supervised_slots', on_delete=OnDelete.SET_NULL),
        ),
    ]
