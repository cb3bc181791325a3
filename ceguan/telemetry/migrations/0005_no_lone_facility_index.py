"""No index on facility alone for raw frames and values: the composite keys serve those reads.

A foreign key gets its own index by default; here it duplicated the prefix of
``rawframe_facility_time`` and of the values' unique key, and cost the receiver one more index
insert per stored frame and per value (on SQLite, a third of the values' insert cost).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_facility_parameters_and_checks'),
        ('telemetry', '0004_unregistered_mn_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rawframe',
            name='facility',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.facility', verbose_name='设施'),
        ),
        migrations.AlterField(
            model_name='telemetryvalue',
            name='facility',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.facility', verbose_name='设施'),
        ),
    ]
