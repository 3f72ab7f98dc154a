from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_vetting_sessions_throttle')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEvent',
            name='client',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
