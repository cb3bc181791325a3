"""Raw frames indexed by MN only when they belong to no facility (the blind-spot list's read).

Every other read goes through (facility, received at); the receiver no longer writes a second
index entry for each frame of a registered device.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_facility_parameters_and_checks'),
        ('telemetry', '0003_value_key_by_time'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='rawframe',
            name='rawframe_mn_time',
        ),
        migrations.AddIndex(
            model_name='rawframe',
            index=models.Index(condition=models.Q(('facility__isnull', True)), fields=['mn', 'received_at'], name='rawframe_unregistered_mn'),
        ),
    ]
