"""The API's schemas: what a client sends (``<Model>In``) and what it reads back (``<Model>Out``).

One ``<Model>In`` per registry model lists its writable fields, foreign keys as ``<fk>_id``;
:func:`out_schema` and :func:`patch_schema` derive the read and PATCH shapes from it, so a field is
declared once. Error bodies are :class:`Message` (``{"detail": ...}``) and
:data:`FieldErrorMap` (``{field: [messages]}``).

No ``from __future__ import annotations``: pydantic reads these annotations at class creation.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ninja import Schema
from pydantic import create_model

from ceguan.registry import choices as c

if TYPE_CHECKING:
    from ceguan.api.crud import Resource

#: A write refused field by field: ``{field: [messages]}`` (``__all__`` for the whole record).
FieldErrorMap = dict[str, list[str]]


#: An error answer, ``{"detail": ...}`` (no docstring: it would show in the OpenAPI document).
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


class PermitLimitIn(Schema):
    outlet_id: int
    pollutant: str
    period: Literal["hourly", "daily"]
    value: float
    unit: str = "mg/m3"
    reference_o2: float | None = None
    clause: str
    verified: bool = False


class OperationsRecordIn(Schema):
    facility_id: int
    kind: Literal["maintenance", "calibration", "fault"]
    start: datetime
    end: datetime
    reported_at: datetime
    reported_by: str
    reference: str
    note: str = ""


# --- Schemas derived from the declared ones -------------------------------------------------------


def out_schema(resource: "Resource") -> type[Schema]:
    """``<Model>Out``: ``id``, the declared fields less the write-only ones, and the stamps."""
    fields: dict[str, Any] = {"id": (int, ...)}
    for name, info in resource.schema.model_fields.items():
        if name not in resource.write_only:
            fields[name] = (info.annotation, ...)
    fields["created"] = (datetime, ...)
    fields["last_updated"] = (datetime, ...)
    return create_model(f"{resource.model.__name__}Out", __base__=Schema, **fields)


def patch_schema(resource: "Resource") -> type[Schema]:
    """``<Model>Patch``: every declared field optional; only the fields sent are changed."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, None) for name, info in resource.schema.model_fields.items()
    }
    return create_model(f"{resource.model.__name__}Patch", __base__=Schema, **fields)
