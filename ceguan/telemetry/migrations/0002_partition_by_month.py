"""On PostgreSQL, turn the raw-frame and value tables into monthly range-partitioned tables.

Django created them as plain tables in 0001; here they are recreated with the same columns,
constraint and index names, partitioned by ``received_at`` / ``data_time``. A partitioned table's
primary key must contain the partition key, so the key is (id, time); ids stay unique through the
identity sequence, and Django keeps addressing rows by ``id``. SQLite tables stay as they are.
"""

from django.db import migrations

TABLES = {
    "telemetry_rawframe": (
        "received_at",
        [
            'CREATE INDEX "rawframe_facility_time" ON {t} ("facility_id", "received_at")',
            'CREATE INDEX "rawframe_mn_time" ON {t} ("mn", "received_at")',
        ],
    ),
    "telemetry_telemetryvalue": (
        "data_time",
        [
            'ALTER TABLE {t} ADD CONSTRAINT "telemetry_value_key" UNIQUE '
            '("facility_id", "pollutant", "kind", "data_time", "revision")',
            'CREATE INDEX "telemetry_series" ON {t} ("facility_id", "kind", "data_time")',
        ],
    ),
}


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (key, extras) in TABLES.items():
        old = f"{table}_unpartitioned"
        schema_editor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        schema_editor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            f"INCLUDING GENERATED) PARTITION BY RANGE (\"{key}\")"
        )
        schema_editor.execute(f'ALTER TABLE "{table}" ADD PRIMARY KEY ("id", "{key}")')
        schema_editor.execute(f'DROP TABLE "{old}"')
        for statement in extras:
            schema_editor.execute(statement.format(t=f'"{table}"'))
        schema_editor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0001_initial")]
    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
