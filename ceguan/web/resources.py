"""The registry resources the UI lists, shows and edits: one declaration per model.

Each :class:`Resource` names the model, the columns of its list, the fields searched by ``q``,
the filters offered and the fields of its form. The generic views in ``views/registry.py`` serve
all of them the same way, always through ``visible_to``/``editable_by``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from ceguan.registry import models as m
from ceguan.targeting.models import DeclaredConflict


@dataclass(frozen=True)
class Resource:
    slug: str
    model: type[models.Model]
    columns: tuple[str, ...]
    search: tuple[str, ...]
    filters: tuple[str, ...]
    form_fields: tuple[str, ...]
    related: tuple[str, ...] = field(default=())
    select_related: tuple[str, ...] = field(default=())


RESOURCES: dict[str, Resource] = {
    resource.slug: resource
    for resource in (
        Resource(
            "enterprises",
            m.Enterprise,
            columns=("name", "credit_code", "city", "industry", "supervision_category"),
            search=("name", "credit_code", "permit_number", "address"),
            filters=("city", "industry", "supervision_category"),
            form_fields=(
                "name",
                "credit_code",
                "city",
                "county",
                "industry",
                "supervision_category",
                "list_year",
                "permit_number",
                "address",
                "longitude",
                "latitude",
            ),
            related=("outlets",),
            select_related=("city",),
        ),
        Resource(
            "outlets",
            m.Outlet,
            columns=("enterprise", "code", "name", "medium"),
            search=("code", "name", "enterprise__name"),
            filters=("enterprise__city", "medium"),
            form_fields=("enterprise", "code", "name", "medium"),
            related=("facilities",),
            select_related=("enterprise",),
        ),
        Resource(
            "facilities",
            m.Facility,
            columns=(
                "outlet",
                "kind",
                "mn",
                "installed_on",
                "networked_on",
                "accepted_on",
                "operation_mode",
                "operator",
            ),
            search=("mn", "outlet__enterprise__name", "outlet__code", "manufacturer"),
            filters=("outlet__enterprise__city", "kind", "operation_mode", "operator"),
            form_fields=(
                "outlet",
                "kind",
                "mn",
                "device_password",
                "manufacturer",
                "model_name",
                "installed_on",
                "networked_on",
                "accepted_on",
                "operation_mode",
                "operator",
                "contract_start",
                "contract_end",
            ),
            select_related=("outlet__enterprise", "operator"),
        ),
        Resource(
            "operators",
            m.Operator,
            columns=("name", "credit_code", "entered_province_year", "phone"),
            search=("name", "credit_code"),
            filters=("entered_province_year",),
            form_fields=("name", "credit_code", "entered_province_year", "phone"),
            related=("facilities",),
        ),
        Resource(
            "agencies",
            m.TestingAgency,
            columns=("name", "credit_code", "cma_number", "cma_valid_until", "city"),
            search=("name", "credit_code", "cma_number"),
            filters=("city",),
            form_fields=("name", "credit_code", "cma_number", "cma_valid_until", "city"),
            related=("personnel",),
            select_related=("city",),
        ),
        Resource(
            "personnel",
            m.Personnel,
            columns=("name", "kind", "certificate_number", "certificate_valid_until", "city"),
            search=("name", "certificate_number", "phone"),
            filters=("city", "kind", "active"),
            form_fields=(
                "name",
                "kind",
                "certificate_number",
                "certificate_valid_until",
                "city",
                "agency",
                "phone",
                "active",
            ),
            select_related=("city", "agency"),
        ),
        Resource(
            "contacts",
            m.DesignatedContact,
            columns=("city", "plan_year", "name", "position", "phone", "reported_on"),
            search=("name", "phone", "city__name"),
            filters=("city", "plan_year"),
            form_fields=("city", "plan_year", "name", "position", "phone", "reported_on"),
            select_related=("city",),
        ),
        Resource(
            "conflicts",
            DeclaredConflict,
            columns=("enterprise", "personnel", "agency", "reason", "declared_on"),
            search=("enterprise__name", "personnel__name", "agency__name", "reason"),
            filters=("enterprise__city",),
            form_fields=("enterprise", "personnel", "agency", "reason", "declared_on"),
            select_related=("enterprise", "personnel", "agency"),
        ),
    )
}

#: Form fields never shown back in lists or detail pages.
SECRET_FIELDS = frozenset({"device_password"})
