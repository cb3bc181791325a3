"""The contract every registry resource keeps, checked for all of them from ``CASES``.

Anonymous → 401 everywhere; another city's user → 404 (and absent from lists); the city's own
editor → 200/201/204; the province sees every city; the auditor reads all and writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ceguan.api.registry import RESOURCES
from ceguan.core.models import AuditEntry
from tests.api.conftest import CASES, SCOPED, WRITABLE, Case

MODELS = {resource.slug: resource.model for resource in RESOURCES}


def url(case: Case, obj: Any = None) -> str:
    return f"/api/{case.slug}/" if obj is None else f"/api/{case.slug}/{obj.pk}/"


def listed_ids(client: Client, case: Case) -> set[int]:
    response = client.get(url(case), {"limit": 500})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def send(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    call = getattr(client, method)
    if method in {"get", "delete"}:
        return call(path)
    return call(path, data or {}, content_type="application/json")


def test_the_case_table_covers_every_resource() -> None:
    assert {case.slug for case in CASES} == set(MODELS)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_requests_are_refused_with_401(
    anonymous: Client, lanzhou: Any, case: Case
) -> None:
    obj = case.make(lanzhou)
    calls = [("get", url(case)), ("get", url(case, obj))]
    if not case.read_only:
        calls += [
            ("post", url(case)),
            ("put", url(case, obj)),
            ("patch", url(case, obj)),
            ("delete", url(case, obj)),
        ]
    for method, path in calls:
        assert send(anonymous, method, path).status_code == 401, (method, path)


@pytest.mark.parametrize("case", SCOPED, ids=str)
def test_another_citys_user_gets_404_and_an_unchanged_record(
    as_user: Any, alice: Any, bob: Any, lanzhou: Any, case: Case
) -> None:
    obj = case.make(lanzhou)
    before = MODELS[case.slug].objects.get(pk=obj.pk).audit_values()
    client = as_user(bob)
    assert obj.pk not in listed_ids(client, case)
    assert client.get(url(case, obj)).status_code == 404
    assert send(client, "patch", url(case, obj), case.change).status_code == 404
    assert send(client, "put", url(case, obj), case.create_data(lanzhou)).status_code == 404
    assert client.delete(url(case, obj)).status_code == 404
    assert MODELS[case.slug].objects.get(pk=obj.pk).audit_values() == before


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_citys_own_user_reads_its_records(
    as_user: Any, alice: Any, lanzhou: Any, case: Case
) -> None:
    obj = case.make(lanzhou)
    client = as_user(alice)
    assert obj.pk in listed_ids(client, case)
    response = client.get(url(case, obj))
    assert response.status_code == 200
    assert response.json()["id"] == obj.pk


@pytest.mark.parametrize("case", WRITABLE, ids=str)
def test_the_citys_own_editor_creates_updates_and_deletes(
    as_user: Any, alice: Any, petra: Any, lanzhou: Any, case: Case
) -> None:
    model = MODELS[case.slug]
    editor = alice
    if case.province_edits_only:
        refused = send(as_user(alice), "post", url(case), case.create_data(lanzhou))
        assert refused.status_code == 403, refused.content
        editor = petra
    client = as_user(editor)

    created = send(client, "post", url(case), case.create_data(lanzhou))
    assert created.status_code == 201, created.content
    new = model.objects.get(pk=created.json()["id"])
    assert client.delete(url(case, new)).status_code == 204
    assert not model.objects.filter(pk=new.pk).exists()
    trail = AuditEntry.objects.filter(model=model._meta.label, object_id=str(new.pk))
    actor = editor.username
    assert list(trail.values_list("action", "actor")) == [("create", actor), ("delete", actor)]

    obj = case.make(lanzhou)
    patched = send(client, "patch", url(case, obj), case.change)
    assert patched.status_code == 200, patched.content
    for name, value in case.change.items():
        assert patched.json()[name] == value
    replaced = send(client, "put", url(case, obj), case.create_data(lanzhou))
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["id"] == obj.pk
    trail = AuditEntry.objects.filter(model=model._meta.label, object_id=str(obj.pk))
    assert list(trail.values_list("action", "actor")) == [
        ("create", ""),
        ("update", actor),
        ("update", actor),
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_province_user_sees_every_city(
    as_user: Any, petra: Any, lanzhou: Any, tianshui: Any, case: Case
) -> None:
    here, there = case.make(lanzhou), case.make(tianshui)
    assert {here.pk, there.pk} <= listed_ids(as_user(petra), case)


@pytest.mark.parametrize("case", WRITABLE, ids=str)
def test_the_auditor_reads_everything_and_writes_nothing(
    as_user: Any, audrey: Any, lanzhou: Any, tianshui: Any, case: Case
) -> None:
    obj = case.make(tianshui)
    client = as_user(audrey)
    assert obj.pk in listed_ids(client, case)
    assert client.get(url(case, obj)).status_code == 200
    assert send(client, "post", url(case), case.create_data(lanzhou)).status_code == 403
    assert send(client, "patch", url(case, obj), case.change).status_code == 403
    assert send(client, "put", url(case, obj), case.create_data(tianshui)).status_code == 403
    assert client.delete(url(case, obj)).status_code == 403
    assert MODELS[case.slug].objects.filter(pk=obj.pk).exists()


def test_regions_are_read_only_even_for_the_province(
    as_user: Any, petra: Any, lanzhou: Any
) -> None:
    client = as_user(petra)
    assert (
        client.patch(url(CASES[0], lanzhou), {"name": "x"}, "application/json").status_code == 405
    )
    assert client.delete(url(CASES[0], lanzhou)).status_code == 405
