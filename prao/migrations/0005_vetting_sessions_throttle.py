from tortoise import migrations
from tortoise.migrations import operations as ops
from prao.models import EmployerStatus
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_token_permissions_audit_organiser')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MailThrottle',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mail_throttle', 'app': 'models', 'indexes': [Index(fields=['key', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One mail-sending action by a key (an address, a caller, a pupil): counted over a window'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Employer',
            name='decided_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Employer',
            name='decided_by',
            field=fields.CharField(default='', max_length=100),
        ),
        ops.AddField(
            model_name='Employer',
            name='decline_reason',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Employer',
            name='status',
            field=fields.CharEnumField(default=EmployerStatus.APPROVED, description='PENDING: pending\nAPPROVED: approved\nDECLINED: declined', enum_type=EmployerStatus, max_length=20),
        ),
        ops.AddField(
            model_name='User',
            name='session_version',
            field=fields.IntField(default=0),
        ),
        # One organisation number per organiser (NULLs are distinct on both engines).
        ops.RunSQL(
            "CREATE UNIQUE INDEX employer_org_number_per_organiser "
            "ON employer (organiser_id, org_number)",
            reverse_sql="DROP INDEX employer_org_number_per_organiser",
        ),
    ]
