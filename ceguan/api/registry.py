"""The registry's REST resources (and screening's permit limits and operations records).

One declaration per model, served by one generic factory.

Each :class:`~ceguan.api.crud.Resource` below names a model, its writable fields
(:mod:`ceguan.api.schemas`) and its filters (:mod:`ceguan.api.filters`);
:func:`~ceguan.api.crud.register` adds list / detail / create / PUT / PATCH / delete for it under
``/api/<slug>/``, with the jurisdiction rule applied to every query.
"""

from __future__ import annotations

from ninja import Router

from ceguan.api import filters as f
from ceguan.api import schemas as s
from ceguan.api.crud import Resource, register
from ceguan.registry import models as m
from ceguan.screening import models as sm

__all__ = ["RESOURCES", "Resource", "build_router", "router"]

RESOURCES: tuple[Resource, ...] = (
    Resource("regions", m.Region, s.RegionIn, f.RegionFilters, read_only=True),
    Resource(
        "enterprises", m.Enterprise, s.EnterpriseIn, f.EnterpriseFilters, select_related=("city",)
    ),
    Resource("outlets", m.Outlet, s.OutletIn, f.OutletFilters, select_related=("enterprise",)),
    Resource(
        "facilities",
        m.Facility,
        s.FacilityIn,
        f.FacilityFilters,
        write_only=frozenset({"device_password"}),
        select_related=("outlet__enterprise",),
    ),
    Resource("operators", m.Operator, s.OperatorIn, f.OperatorFilters),
    Resource("agencies", m.TestingAgency, s.TestingAgencyIn, f.TestingAgencyFilters),
    Resource("personnel", m.Personnel, s.PersonnelIn, f.PersonnelFilters),
    Resource("contacts", m.DesignatedContact, s.DesignatedContactIn, f.DesignatedContactFilters),
    # Screening's registry-like records: same contract, same audit (screening.apps).
    Resource(
        "permit-limits",
        sm.PermitLimit,
        s.PermitLimitIn,
        f.PermitLimitFilters,
        select_related=("outlet__enterprise",),
    ),
    Resource(
        "operations-records",
        sm.OperationsRecord,
        s.OperationsRecordIn,
        f.OperationsRecordFilters,
        select_related=("facility__outlet__enterprise",),
    ),
)


def build_router() -> Router:
    """The registry router with every resource of :data:`RESOURCES`."""
    router = Router()
    for resource in RESOURCES:
        register(router, resource)
    return router


router = build_router()
