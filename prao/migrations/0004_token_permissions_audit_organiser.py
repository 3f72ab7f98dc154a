from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0003_employers_allocation')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiToken',
            name='permissions',
            field=fields.CharField(default='read,write,allocate', max_length=100),
        ),
        ops.AddField(
            model_name='ApiToken',
            name='created_by',
            field=fields.CharField(default='', max_length=100),
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='organiser_id',
            field=fields.IntField(null=True, db_index=True),
        ),
    ]
