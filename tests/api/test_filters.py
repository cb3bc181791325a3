"""Every model field of every resource has a filter, and every filter is accepted and works.

After NetBox's ``test_missing_filters``: a new model field without a filter fails here.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from ninja import FilterLookup

from ceguan.api.registry import RESOURCES, Resource
from tests.api.conftest import make_agency, make_operator, make_outlet
from tests.conftest import make_enterprise, make_facility

FILTERS = [(resource, name) for resource in RESOURCES for name in resource.filters.model_fields]


def lookups(resource: Resource, name: str) -> list[str]:
    """The ORM lookups of filter ``name`` (FilterLookup's ``__x`` shorthand expanded)."""
    info = resource.filters.model_fields[name]
    (lookup,) = [item for item in info.metadata if isinstance(item, FilterLookup)]
    paths = [lookup.q] if isinstance(lookup.q, str) else list(lookup.q or [])
    return [f"{name}{path}" if path.startswith("__") else path for path in paths]


def covered_fields(resource: Resource) -> set[str]:
    meta = resource.model._meta
    return {
        meta.get_field(path.split("__")[0]).name
        for name in resource.filters.model_fields
        if name != "q"  # the text search does not stand in for a field's own filter
        for path in lookups(resource, name)
    }


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.slug)
def test_every_model_field_has_a_filter(resource: Resource) -> None:
    fields = {field.name for field in resource.model._meta.concrete_fields}
    missing = fields - resource.write_only - covered_fields(resource)
    assert not missing, f"{resource.slug}: no filter for {sorted(missing)}"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.slug)
def test_write_only_fields_have_no_filter(resource: Resource) -> None:
    assert not resource.write_only & covered_fields(resource)


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.slug)
def test_foreign_keys_are_filtered_by_their_id(resource: Resource) -> None:
    for field in resource.model._meta.concrete_fields:
        if field.is_relation:
            assert field.attname in resource.filters.model_fields, (resource.slug, field.attname)


def sample(annotation: Any) -> str:
    """A query-string value of the filter's type."""
    inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    kind = inner[0] if inner else annotation
    if typing.get_origin(kind) is list:
        kind = typing.get_args(kind)[0]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return str(next(iter(kind)).value)
    values = {int: "1", bool: "true", date: "2020-01-01", Decimal: "1.5", float: "1.5", str: "x"}
    return values[kind]


@pytest.mark.parametrize(
    ("resource", "name"), FILTERS, ids=[f"{resource.slug}-{name}" for resource, name in FILTERS]
)
def test_every_filter_is_accepted(as_user: Any, petra: Any, resource: Resource, name: str) -> None:
    annotation = resource.filters.model_fields[name].annotation
    assert isinstance(annotation, types.UnionType | typing._UnionGenericAlias)  # all optional
    response = as_user(petra).get(f"/api/{resource.slug}/", {name: sample(annotation)})
    assert response.status_code == 200, response.content


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_filters_narrow_the_list(as_user: Any, petra: Any, lanzhou: Any, tianshui: Any) -> None:
    operator = make_operator(lanzhou)
    here = make_facility(
        make_enterprise(lanzhou, name="兰州热电"),
        operation_mode="third_party",
        operator=operator,
        contract_start=date(2024, 1, 1),
        contract_end=date(2026, 12, 31),
    )
    there = make_facility(make_enterprise(tianshui, name="天水水泥"))
    client = as_user(petra)
    assert ids(client.get("/api/facilities/", {"city_id": lanzhou.pk})) == {here.pk}
    assert ids(client.get("/api/facilities/", {"operator_id": operator.pk})) == {here.pk}
    assert ids(client.get("/api/facilities/", {"q": "天水"})) == {there.pk}
    assert ids(client.get("/api/facilities/", {"contract_end_from": "2026-01-01"})) == {here.pk}
    assert ids(client.get("/api/enterprises/", {"q": "热电"})) == {here.outlet.enterprise_id}
    both = client.get("/api/facilities/", [("id", here.pk), ("id", there.pk)])
    assert ids(both) == {here.pk, there.pk}


def test_filters_compose_with_jurisdiction(as_user: Any, alice: Any, tianshui: Any) -> None:
    make_outlet(tianshui)
    assert ids(as_user(alice).get("/api/outlets/", {"city_id": tianshui.pk})) == set()


def test_an_agency_filter_by_city(as_user: Any, petra: Any, lanzhou: Any, tianshui: Any) -> None:
    agency = make_agency(tianshui)
    make_agency(lanzhou)
    assert ids(as_user(petra).get("/api/agencies/", {"city_id": tianshui.pk})) == {agency.pk}
