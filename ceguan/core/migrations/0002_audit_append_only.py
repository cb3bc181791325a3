"""Make PostgreSQL itself refuse UPDATE and DELETE on the audit log.

On SQLite (the embedded default) only the ORM refuses: Django's test flush deletes rows there,
and a trigger would stop it. TRUNCATE is left to the database owner on both.

Django already refuses them (``AuditEntry.save``/``delete``); the triggers stop anyone going
around the ORM. Someone with DDL rights can still drop a trigger, which is why the chain exists:
``ceguan audit verify`` names the first row that was changed or removed.
"""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = statements.get(vendor, [])
        for statement in chosen:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES}),
            _run({"postgresql": POSTGRES_REVERSE}),
        )
    ]
