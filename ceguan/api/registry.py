"""The registry's REST resources: one declaration per model, served by one generic factory.

Each :class:`Resource` names a model, the schema of its writable fields and its filter schema;
:func:`register` adds list / detail / create / PUT / PATCH / delete for it. Every query goes
through the jurisdiction rule: reads through ``visible_to``, writes through ``editable_by``. A row
the user cannot see is 404 (its existence does not leak); a row they see but may not change is 403.
Writes run the model's ``full_clean()`` and ``save()`` (so the audit signals fire) and answer
422 with ``{field: [messages]}``. Write-only fields (``device_password``) are never returned.

No ``from __future__ import annotations`` here: django-ninja reads the endpoint annotations,
which name schemas local to :func:`register`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import create_model

from ceguan.api.auth import auth_user
from ceguan.core.audit import acting_as
from ceguan.core.models import User
from ceguan.registry import choices as c
from ceguan.registry import models as m
from ceguan.registry.base import RegistryModel

#: Largest page a client may ask for with ``?limit=``.
MAX_PAGE = 500

FieldErrorMap = dict[str, list[str]]


class FieldErrors(Exception):
    """A write refused field by field; answered 422 ``{field: [messages]}`` (see ``routes``)."""

    def __init__(self, errors: FieldErrorMap) -> None:
        super().__init__(errors)
        self.errors = errors


class Message(Schema):
    detail: str


# --- Writable fields, one schema per model (foreign keys as ``<fk>_id``) -------------------------


class RegionIn(Schema):
    code: str
    name: str
    name_en: str = ""
    level: c.RegionLevel
    parent_id: int | None = None


class OperatorIn(Schema):
    name: str
    credit_code: str
    entered_province_year: int
    phone: str = ""


class TestingAgencyIn(Schema):
    name: str
    credit_code: str
    cma_number: str
    cma_valid_until: date | None = None
    city_id: int | None = None


class EnterpriseIn(Schema):
    name: str
    credit_code: str
    city_id: int
    county_id: int | None = None
    industry: c.Industry
    supervision_category: c.SupervisionCategory
    list_year: int | None = None
    permit_number: str = ""
    address: str = ""
    longitude: Decimal | None = None
    latitude: Decimal | None = None


class OutletIn(Schema):
    enterprise_id: int
    code: str
    name: str = ""
    medium: c.Medium


class FacilityIn(Schema):
    outlet_id: int
    kind: c.FacilityKind
    mn: str | None = None
    device_password: str = ""
    parameters: str = ""
    manufacturer: str = ""
    model_name: str = ""
    installed_on: date | None = None
    networked_on: date | None = None
    accepted_on: date | None = None
    operation_mode: c.OperationMode
    operator_id: int | None = None
    contract_start: date | None = None
    contract_end: date | None = None


class PersonnelIn(Schema):
    name: str
    kind: c.PersonnelKind
    certificate_number: str
    certificate_valid_until: date | None = None
    city_id: int | None = None
    agency_id: int | None = None
    phone: str = ""
    active: bool = True


class DesignatedContactIn(Schema):
    city_id: int
    plan_year: int
    name: str
    position: str = ""
    phone: str
    reported_on: date


# --- Filters: one per model field; a field's lookup is named in its FilterLookup -----------------

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


# --- Resources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One API resource: ``/api/<slug>/`` over ``model``, its writable ``schema`` and filters."""

    slug: str
    model: type[RegistryModel]
    schema: type[Schema]
    filters: type[FilterSchema]
    read_only: bool = False
    #: Accepted on writes, never returned (and never filterable).
    write_only: frozenset[str] = frozenset()
    select_related: tuple[str, ...] = ()


RESOURCES: tuple[Resource, ...] = (
    Resource("regions", m.Region, RegionIn, RegionFilters, read_only=True),
    Resource(
        "enterprises", m.Enterprise, EnterpriseIn, EnterpriseFilters, select_related=("city",)
    ),
    Resource("outlets", m.Outlet, OutletIn, OutletFilters, select_related=("enterprise",)),
    Resource(
        "facilities",
        m.Facility,
        FacilityIn,
        FacilityFilters,
        write_only=frozenset({"device_password"}),
        select_related=("outlet__enterprise",),
    ),
    Resource("operators", m.Operator, OperatorIn, OperatorFilters),
    Resource("agencies", m.TestingAgency, TestingAgencyIn, TestingAgencyFilters),
    Resource("personnel", m.Personnel, PersonnelIn, PersonnelFilters),
    Resource("contacts", m.DesignatedContact, DesignatedContactIn, DesignatedContactFilters),
)


# --- Schemas derived from the declared ones -------------------------------------------------------


def out_schema(resource: Resource) -> type[Schema]:
    """``<Model>Out``: ``id``, the declared fields less the write-only ones, and the stamps."""
    fields: dict[str, Any] = {"id": (int, ...)}
    for name, info in resource.schema.model_fields.items():
        if name not in resource.write_only:
            fields[name] = (info.annotation, ...)
    fields["created"] = (datetime, ...)
    fields["last_updated"] = (datetime, ...)
    return create_model(f"{resource.model.__name__}Out", __base__=Schema, **fields)


def patch_schema(resource: Resource) -> type[Schema]:
    """``<Model>Patch``: every declared field optional; only the fields sent are changed."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, None) for name, info in resource.schema.model_fields.items()
    }
    return create_model(f"{resource.model.__name__}Patch", __base__=Schema, **fields)


# --- Jurisdiction and writes ----------------------------------------------------------------------


def may_write(model: type[RegistryModel], user: User) -> bool:
    """Whether ``user`` may change this kind of record at all (the rule's role test).

    ``editable_by`` answers ``none()`` when the role may not edit (or the model is province-only),
    so reading that back keeps the rule in one place.
    """
    return not model.objects.editable_by(user).query.is_empty()


def api_name(model: type[models.Model], name: str) -> str:
    """The API's name for a model field: ``<fk>_id`` for foreign keys, the field name otherwise."""
    if name == "__all__":
        return name
    field = model._meta.get_field(name)
    return field.attname if field.is_relation else name


def jurisdiction_field(model: type[RegistryModel]) -> str:
    """The API field that puts a record in a city (the first step of ``city_path``)."""
    return api_name(model, model.city_path.split("__")[0]) if model.city_path else "__all__"


def apply(model: type[RegistryModel], obj: RegistryModel, data: dict[str, Any], user: User) -> None:
    """Set ``data`` on ``obj``; a foreign key must name a record ``user`` can see."""
    errors: FieldErrorMap = {}
    for name, raw in data.items():
        field = model._meta.get_field(name)
        value = raw.value if isinstance(raw, Enum) else raw
        if value == "" and field.null:
            value = None  # an empty nullable code (a facility's MN) is "none", not a duplicate ""
        if field.is_relation and value is not None:
            related: Any = field.related_model
            if not related.objects.visible_to(user).filter(pk=value).exists():
                errors[name] = [_("所选记录不存在或不在您的管辖范围内。")]
        setattr(obj, field.attname, value)
    if errors:
        raise FieldErrors(errors)


def save(model: type[RegistryModel], obj: RegistryModel, user: User) -> None:
    """Validate and save ``obj`` as ``user``; refuse (and roll back) if it leaves their scope."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise FieldErrors(
            {api_name(model, name): list(msgs) for name, msgs in exc.message_dict.items()}
        ) from exc
    try:
        with acting_as(user.get_username()), transaction.atomic():
            obj.save()
            if not model.objects.editable_by(user).filter(pk=obj.pk).exists():
                raise FieldErrors({jurisdiction_field(model): [_("不在您的管辖范围内。")]})
    except IntegrityError as exc:
        raise FieldErrors({"__all__": [_("与已有记录冲突。")]}) from exc


def replacement(resource: Resource, payload: Schema) -> dict[str, Any]:
    """A PUT's new values: every field, except write-only ones the client did not send.

    Clients never read a write-only field back, so a read-modify-write PUT must not blank it.
    """
    data = payload.model_dump()
    for name in resource.write_only - payload.model_fields_set:
        data.pop(name, None)
    return data


def visible(resource: Resource, request: HttpRequest) -> models.QuerySet[Any]:
    queryset = resource.model.objects.visible_to(auth_user(request))
    return queryset.select_related(*resource.select_related)


def get_visible(resource: Resource, request: HttpRequest, pk: int) -> RegistryModel:
    obj = visible(resource, request).filter(pk=pk).first()
    if obj is None:
        raise HttpError(404, _("未找到。"))
    return obj


def get_editable(resource: Resource, request: HttpRequest, pk: int) -> RegistryModel:
    obj = get_visible(resource, request, pk)
    if not resource.model.objects.editable_by(auth_user(request)).filter(pk=pk).exists():
        raise HttpError(403, _("您无权修改此记录。"))
    return obj


# --- The factory ----------------------------------------------------------------------------------

ERRORS: dict[int, Any] = {
    401: Message,
    403: Message,
    404: Message,
    409: Message,
    422: FieldErrorMap,
}


def register(router: Router, resource: Resource) -> None:
    """Add the endpoints of ``resource`` to ``router`` under ``/<slug>/``."""
    out = out_schema(resource)
    add_reads(router, resource, out)
    if not resource.read_only:
        add_writes(router, resource, out)


def add_reads(router: Router, resource: Resource, out: type[Schema]) -> None:
    """``GET /<slug>/`` (filtered, paginated) and ``GET /<slug>/<pk>/``."""
    slug, filters_schema = resource.slug, resource.filters
    label = str(resource.model._meta.verbose_name)

    @router.get(
        f"/{slug}/",
        response=list[out],
        tags=[slug],
        operation_id=f"{slug}_list",
        summary=f"{label}列表",
    )
    @paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
    def list_records(request: HttpRequest, filters: Query[filters_schema]) -> Any:  # type: ignore[valid-type]
        return filters.filter(visible(resource, request))

    @router.get(
        f"/{slug}/{{int:pk}}/",
        response={200: out, **ERRORS},
        tags=[slug],
        operation_id=f"{slug}_read",
        summary=f"{label}详情",
    )
    def read_record(request: HttpRequest, pk: int) -> Any:
        return get_visible(resource, request, pk)


def add_writes(router: Router, resource: Resource, out: type[Schema]) -> None:
    """``POST /<slug>/``, ``PUT``/``PATCH``/``DELETE /<slug>/<pk>/``."""
    slug, model = resource.slug, resource.model
    full, partial = resource.schema, patch_schema(resource)
    label = str(model._meta.verbose_name)
    detail = f"/{slug}/{{int:pk}}/"

    @router.post(
        f"/{slug}/",
        response={201: out, **ERRORS},
        tags=[slug],
        operation_id=f"{slug}_create",
        summary=f"新增{label}",
    )
    def create_record(request: HttpRequest, payload: full) -> Any:  # type: ignore[valid-type]
        user = auth_user(request)
        if not may_write(model, user):
            raise HttpError(403, _("您无权新增此类记录。"))
        obj = model()
        apply(model, obj, payload.model_dump(), user)
        save(model, obj, user)
        return Status(201, obj)

    @router.put(
        detail,
        response={200: out, **ERRORS},
        tags=[slug],
        operation_id=f"{slug}_update",
        summary=f"修改{label}",
    )
    def update_record(request: HttpRequest, pk: int, payload: full) -> Any:  # type: ignore[valid-type]
        obj = get_editable(resource, request, pk)
        apply(model, obj, replacement(resource, payload), auth_user(request))
        save(model, obj, auth_user(request))
        return obj

    @router.patch(
        detail,
        response={200: out, **ERRORS},
        tags=[slug],
        operation_id=f"{slug}_partial_update",
        summary=f"部分修改{label}",
    )
    def patch_record(request: HttpRequest, pk: int, payload: partial) -> Any:  # type: ignore[valid-type]
        obj = get_editable(resource, request, pk)
        apply(model, obj, payload.model_dump(exclude_unset=True), auth_user(request))
        save(model, obj, auth_user(request))
        return obj

    @router.delete(
        detail,
        response={204: None, **ERRORS},
        tags=[slug],
        operation_id=f"{slug}_delete",
        summary=f"删除{label}",
    )
    def delete_record(request: HttpRequest, pk: int) -> Any:
        obj = get_editable(resource, request, pk)
        try:
            with acting_as(auth_user(request).get_username()), transaction.atomic():
                obj.delete()
        except models.ProtectedError as exc:
            raise HttpError(409, _("仍有其他记录引用此记录，不能删除。")) from exc
        return Status(204, None)


def build_router() -> Router:
    """The registry router with every resource of :data:`RESOURCES`."""
    router = Router()
    for resource in RESOURCES:
        register(router, resource)
    return router


router = build_router()
