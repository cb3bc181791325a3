"""The API's filter schemas: one ``?field=`` per model field, its lookup named in its FilterLookup.

Every filter schema extends :class:`RegistryFilters` (``id`` and the created / updated stamps)
and has a ``q`` that searches the model's main text fields. Write-only fields have no filter.

No ``from __future__ import annotations``: django-ninja reads these annotations.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from ninja import FilterLookup, FilterSchema

from ceguan.registry import choices as c

Exact = Annotated[str | None, FilterLookup("__exact")]
Contains = Annotated[str | None, FilterLookup("__icontains")]
Id = Annotated[int | None, FilterLookup("__exact")]
Number = Annotated[int | None, FilterLookup("__exact")]


class RegistryFilters(FilterSchema):
    """Filters on the fields every registry model has: ``id`` and the created/updated stamps."""

    id: Annotated[list[int] | None, FilterLookup("id__in")] = None
    created_from: Annotated[date | None, FilterLookup("created__date__gte")] = None
    created_to: Annotated[date | None, FilterLookup("created__date__lte")] = None
    last_updated_from: Annotated[date | None, FilterLookup("last_updated__date__gte")] = None
    last_updated_to: Annotated[date | None, FilterLookup("last_updated__date__lte")] = None


class RegionFilters(RegistryFilters):
    q: Annotated[str | None, FilterLookup(["name__icontains", "name_en__icontains", "code"])] = None
    code: Exact = None
    name: Contains = None
    name_en: Contains = None
    level: Annotated[c.RegionLevel | None, FilterLookup("__exact")] = None
    parent_id: Id = None


class OperatorFilters(RegistryFilters):
    q: Annotated[str | None, FilterLookup(["name__icontains", "credit_code__icontains"])] = None
    name: Contains = None
    credit_code: Exact = None
    entered_province_year: Number = None
    phone: Contains = None


class TestingAgencyFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(["name__icontains", "credit_code__icontains", "cma_number__icontains"]),
    ] = None
    name: Contains = None
    credit_code: Exact = None
    cma_number: Exact = None
    cma_valid_until_from: Annotated[date | None, FilterLookup("cma_valid_until__gte")] = None
    cma_valid_until_to: Annotated[date | None, FilterLookup("cma_valid_until__lte")] = None
    city_id: Id = None


class EnterpriseFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(
            [
                "name__icontains",
                "credit_code__icontains",
                "permit_number__icontains",
                "address__icontains",
            ]
        ),
    ] = None
    name: Contains = None
    credit_code: Exact = None
    city_id: Id = None
    county_id: Id = None
    industry: Annotated[c.Industry | None, FilterLookup("__exact")] = None
    supervision_category: Annotated[c.SupervisionCategory | None, FilterLookup("__exact")] = None
    list_year: Number = None
    permit_number: Contains = None
    address: Contains = None
    longitude_min: Annotated[Decimal | None, FilterLookup("longitude__gte")] = None
    longitude_max: Annotated[Decimal | None, FilterLookup("longitude__lte")] = None
    latitude_min: Annotated[Decimal | None, FilterLookup("latitude__gte")] = None
    latitude_max: Annotated[Decimal | None, FilterLookup("latitude__lte")] = None


class OutletFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(["code__icontains", "name__icontains", "enterprise__name__icontains"]),
    ] = None
    enterprise_id: Id = None
    city_id: Annotated[int | None, FilterLookup("enterprise__city_id")] = None
    code: Exact = None
    name: Contains = None
    medium: Annotated[c.Medium | None, FilterLookup("__exact")] = None


class FacilityFilters(RegistryFilters):
    """Facility filters. ``device_password`` has none: a filter on it would be a guessing oracle."""

    q: Annotated[
        str | None,
        FilterLookup(
            [
                "mn__icontains",
                "manufacturer__icontains",
                "model_name__icontains",
                "outlet__code__icontains",
                "outlet__enterprise__name__icontains",
            ]
        ),
    ] = None
    outlet_id: Id = None
    enterprise_id: Annotated[int | None, FilterLookup("outlet__enterprise_id")] = None
    city_id: Annotated[int | None, FilterLookup("outlet__enterprise__city_id")] = None
    kind: Annotated[c.FacilityKind | None, FilterLookup("__exact")] = None
    mn: Exact = None
    parameters: Contains = None
    manufacturer: Contains = None
    model_name: Contains = None
    installed_on_from: Annotated[date | None, FilterLookup("installed_on__gte")] = None
    installed_on_to: Annotated[date | None, FilterLookup("installed_on__lte")] = None
    networked_on_from: Annotated[date | None, FilterLookup("networked_on__gte")] = None
    networked_on_to: Annotated[date | None, FilterLookup("networked_on__lte")] = None
    accepted_on_from: Annotated[date | None, FilterLookup("accepted_on__gte")] = None
    accepted_on_to: Annotated[date | None, FilterLookup("accepted_on__lte")] = None
    operation_mode: Annotated[c.OperationMode | None, FilterLookup("__exact")] = None
    operator_id: Id = None
    contract_start_from: Annotated[date | None, FilterLookup("contract_start__gte")] = None
    contract_start_to: Annotated[date | None, FilterLookup("contract_start__lte")] = None
    contract_end_from: Annotated[date | None, FilterLookup("contract_end__gte")] = None
    contract_end_to: Annotated[date | None, FilterLookup("contract_end__lte")] = None


class PersonnelFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(["name__icontains", "certificate_number__icontains", "phone__icontains"]),
    ] = None
    name: Contains = None
    kind: Annotated[c.PersonnelKind | None, FilterLookup("__exact")] = None
    certificate_number: Exact = None
    certificate_valid_until_from: Annotated[
        date | None, FilterLookup("certificate_valid_until__gte")
    ] = None
    certificate_valid_until_to: Annotated[
        date | None, FilterLookup("certificate_valid_until__lte")
    ] = None
    city_id: Id = None
    agency_id: Id = None
    phone: Contains = None
    active: Annotated[bool | None, FilterLookup("__exact")] = None


class DesignatedContactFilters(RegistryFilters):
    q: Annotated[
        str | None, FilterLookup(["name__icontains", "position__icontains", "phone__icontains"])
    ] = None
    city_id: Id = None
    plan_year: Number = None
    name: Contains = None
    position: Contains = None
    phone: Contains = None
    reported_on_from: Annotated[date | None, FilterLookup("reported_on__gte")] = None
    reported_on_to: Annotated[date | None, FilterLookup("reported_on__lte")] = None


class PermitLimitFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(["pollutant__icontains", "clause__icontains", "outlet__code__icontains"]),
    ] = None
    outlet_id: Id = None
    enterprise_id: Annotated[int | None, FilterLookup("outlet__enterprise_id")] = None
    city_id: Annotated[int | None, FilterLookup("outlet__enterprise__city_id")] = None
    pollutant: Exact = None
    period: Exact = None
    value_min: Annotated[float | None, FilterLookup("value__gte")] = None
    value_max: Annotated[float | None, FilterLookup("value__lte")] = None
    unit: Exact = None
    reference_o2: Annotated[float | None, FilterLookup("__exact")] = None
    clause: Contains = None
    verified: Annotated[bool | None, FilterLookup("__exact")] = None


class OperationsRecordFilters(RegistryFilters):
    q: Annotated[
        str | None,
        FilterLookup(["reference__icontains", "reported_by__icontains", "note__icontains"]),
    ] = None
    facility_id: Id = None
    city_id: Annotated[int | None, FilterLookup("facility__outlet__enterprise__city_id")] = None
    kind: Exact = None
    start_from: Annotated[date | None, FilterLookup("start__date__gte")] = None
    start_to: Annotated[date | None, FilterLookup("start__date__lte")] = None
    end_from: Annotated[date | None, FilterLookup("end__date__gte")] = None
    end_to: Annotated[date | None, FilterLookup("end__date__lte")] = None
    reported_at_from: Annotated[date | None, FilterLookup("reported_at__date__gte")] = None
    reported_at_to: Annotated[date | None, FilterLookup("reported_at__date__lte")] = None
    reported_by: Contains = None
    reference: Exact = None
    note: Contains = None
