"""The generic resource factory: list / detail / create / PUT / PATCH / delete for one model.

A :class:`Resource` names a model, the schema of its writable fields and its filter schema;
:func:`register` adds its endpoints to a router. Every query goes through the jurisdiction rule:
reads through ``visible_to``, writes through ``editable_by``. A row the user cannot see is 404
(its existence does not leak); a row they see but may not change is 403. Writes run the model's
``full_clean()`` and ``save()`` (so the audit signals fire) and answer 422 with
``{field: [messages]}``. Write-only fields (``device_password``) are never returned.

No ``from __future__ import annotations`` here: django-ninja reads the endpoint annotations,
which name schemas local to :func:`register`.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from ceguan.api.auth import auth_user
from ceguan.api.schemas import FieldErrorMap, Message, out_schema, patch_schema
from ceguan.core.audit import acting_as
from ceguan.core.models import User
from ceguan.registry.base import RegistryModel

#: Largest page a client may ask for with ``?limit=``.
MAX_PAGE = 500


class FieldErrors(Exception):
    """A write refused field by field; answered 422 ``{field: [messages]}`` (see ``routes``)."""

    def __init__(self, errors: FieldErrorMap) -> None:
        super().__init__(errors)
        self.errors = errors


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
