"""Values keyed (facility, kind, data time, pollutant, revision); the series index goes.

The unique key's first three columns are what ``telemetry_series`` indexed, so it now serves the
same reads, and one index fewer is written per value. With the pollutant after the time, the
values of one frame are neighbours in the index: a receiver batch dirties one index page per
frame instead of one per value (measured on SQLite: about half the insert cost; docs/receiver.md).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_facility_parameters_and_checks'),
        ('telemetry', '0002_partition_by_month'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='telemetryvalue',
            name='telemetry_value_key',
        ),
        migrations.RemoveIndex(
            model_name='telemetryvalue',
            name='telemetry_series',
        ),
        migrations.AddConstraint(
            model_name='telemetryvalue',
            constraint=models.UniqueConstraint(fields=('facility', 'kind', 'data_time', 'pollutant', 'revision'), name='telemetry_value_key'),
        ),
    ]
