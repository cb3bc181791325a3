"""The audit log: every registry change and login is chained; tampering is named."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ceguan.core.audit import acting_as, verify_chain
from ceguan.core.models import AuditEntry
from tests.conftest import PASSWORD, make_enterprise

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table behind Django's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")


def test_it_records_create_update_delete_with_actor_and_changes(lanzhou):
    with acting_as("alice"):
        enterprise = make_enterprise(lanzhou, name="甲厂")
        enterprise.name = "乙厂"
        enterprise.save()
        pk = enterprise.pk
        enterprise.delete()
    rows = list(AuditEntry.objects.filter(model="registry.Enterprise", object_id=str(pk)))
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert {r.actor for r in rows} == {"alice"}
    assert rows[1].changes == {"name": ["甲厂", "乙厂"]}
    assert rows[0].changes["credit_code"][1] == enterprise.credit_code


def test_it_skips_saves_that_change_nothing(lanzhou):
    enterprise = make_enterprise(lanzhou)
    before = AuditEntry.objects.count()
    enterprise.save()
    assert AuditEntry.objects.count() == before


def test_it_records_logins_and_failures(client, alice):
    assert client.login(username="alice", password=PASSWORD)
    client.post("/login/", {"username": "alice", "password": "wrong-password"})
    actions = list(AuditEntry.objects.filter(actor="alice").values_list("action", flat=True))
    assert "login" in actions


def test_the_orm_refuses_to_change_or_delete_entries(lanzhou):
    make_enterprise(lanzhou)
    entry = AuditEntry.objects.first()
    entry.summary = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(summary="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_an_intact_chain_verifies(lanzhou):
    for _ in range(3):
        make_enterprise(lanzhou)
    report = verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count() >= 3
    call_command("audit", "verify")


def test_an_edited_row_is_named(lanzhou):
    for _ in range(4):
        make_enterprise(lanzhou)
    victim = AuditEntry.objects.order_by("id")[1]
    _tamper("UPDATE core_auditentry SET summary = %s WHERE id = %s", ["forged", victim.pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_id == victim.pk
    assert f"row {victim.pk}" in report.reason and "content" in report.reason
    with pytest.raises(CommandError, match=f"row {victim.pk}"):
        call_command("audit", "verify")


def test_a_deleted_row_is_named(lanzhou):
    for _ in range(4):
        make_enterprise(lanzhou)
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [ids[2]])
    report = verify_chain()
    assert not report.ok
    assert report.broken_id == ids[3]
    assert f"row {ids[2]}" in report.reason


def test_deleting_the_newest_row_is_detected(lanzhou):
    for _ in range(2):
        make_enterprise(lanzhou)
    last = AuditEntry.objects.order_by("-id").first()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    report = verify_chain()
    assert not report.ok and report.broken_id == last.pk


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_itself_refuses_updates():
    from django.db import transaction
    from django.db.utils import DatabaseError

    from ceguan.core import audit

    audit.record("login", actor="x")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditentry SET summary = 'x'")
