"""Writing the demo province to the database, and deleting earlier demo loads.

Rows are written with ``bulk_create``, which skips the per-row audit signals; one ``import``
entry attributed to ``cli:demo`` records the counts and the natural keys written (credit codes,
certificate numbers, contacts, accounts). ``--reset`` reads those keys back from the audit log
to delete exactly the demo's rows, through the ORM so every deletion is audited, whatever seed
was used before. The audit log itself is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import Collector

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.core.models import AuditEntry, User
from ceguan.registry.demo.accounts import DEMO_PASSWORD, DemoLogin, existing_logins, save_users
from ceguan.registry.demo.plan import DemoPlan, load_regions, plan_demo
from ceguan.registry.demo.survey_shares import survey_figures
from ceguan.registry.models import (
    DesignatedContact,
    Enterprise,
    Facility,
    Operator,
    Outlet,
    Personnel,
    TestingAgency,
)
from ceguan.standards import NotInForce

#: The audit actor of every demo load and deletion.
DEMO_ACTOR = "cli:demo"
DEFAULT_SEED = 2018
DEFAULT_ENTERPRISES = 300

#: The steps :func:`build_demo` reports to its ``progress`` callback, in order.
STEPS = (
    "读取行政区",
    "生成演示数据",
    "写入运营单位与检测机构",
    "写入排污单位",
    "写入排放口与监控设施",
    "写入人员与专人负责",
    "写入演示账号",
    "写入审计日志",
)


class DemoConflict(Exception):
    """The demo cannot be written: a unique key is taken by another row, there are no regions,
    or the rule book has no work plan in force on the as-of date."""


@dataclass
class DemoSummary:
    """What :func:`build_demo` did: counts, survey figures, the accounts and their password."""

    seed: int
    as_of: date
    enterprises: int
    counts: dict[str, int] = field(default_factory=dict)
    survey: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    skipped: bool = False
    deleted: dict[str, int] = field(default_factory=dict)
    kept_users: list[str] = field(default_factory=list)


def previous_loads() -> list[dict[str, Any]]:
    """The ``changes`` of every demo load recorded in the audit log, oldest first."""
    loads = []
    for changes in AuditEntry.objects.filter(
        action=AuditAction.IMPORT, actor=DEMO_ACTOR
    ).values_list("changes", flat=True):
        if isinstance(changes, dict) and "demo" in changes and "keys" in changes:
            loads.append(changes)
    return loads


def _keys(loads: Iterable[dict[str, Any]], part: str) -> list[Any]:
    values: list[Any] = []
    for load in loads:
        values.extend(load["keys"].get(part, []))
    return values


def demo_present(loads: list[dict[str, Any]]) -> bool:
    """Whether rows of an earlier demo load are still in the database."""
    return (
        Enterprise.objects.filter(credit_code__in=_keys(loads, "enterprises")).exists()
        or Operator.objects.filter(credit_code__in=_keys(loads, "operators")).exists()
        or TestingAgency.objects.filter(credit_code__in=_keys(loads, "agencies")).exists()
    )


def delete_demo(loads: list[dict[str, Any]]) -> dict[str, int]:
    """Delete the registry rows of earlier demo loads (each deletion is audited by its signal).

    Demo accounts are kept (their agency is cleared and set again by the next load).
    """
    enterprises = _keys(loads, "enterprises")
    agencies = _keys(loads, "agencies")
    contacts = [
        models.Q(city__code=code, plan_year=year, name=name)
        for code, year, name in _keys(loads, "contacts")
    ]
    User.objects.filter(
        username__in=_keys(loads, "users"), agency__credit_code__in=agencies
    ).update(agency=None)
    steps = [
        (
            "facilities",
            Facility.objects.filter(outlet__enterprise__credit_code__in=enterprises).select_related(
                "outlet__enterprise"
            ),
        ),
        (
            "outlets",
            Outlet.objects.filter(enterprise__credit_code__in=enterprises).select_related(
                "enterprise"
            ),
        ),
        ("enterprises", Enterprise.objects.filter(credit_code__in=enterprises)),
        (
            "personnel",
            Personnel.objects.filter(
                models.Q(certificate_number__in=_keys(loads, "personnel"))
                | models.Q(agency__credit_code__in=agencies)
            ),
        ),
        (
            "contacts",
            DesignatedContact.objects.filter(reduce(or_, contacts)).select_related("city")
            if contacts
            else DesignatedContact.objects.none(),
        ),
        ("agencies", TestingAgency.objects.filter(credit_code__in=agencies)),
        ("operators", Operator.objects.filter(credit_code__in=_keys(loads, "operators"))),
    ]
    return {name: _delete(queryset) for name, queryset in steps}


def _delete(queryset: models.QuerySet) -> int:
    """Delete like ``QuerySet.delete`` (cascades, protection, audit signals), but hand the
    collector the fetched rows so the audit summaries (``str``) need no query per row."""
    rows = list(queryset)
    if not rows:
        return 0
    collector = Collector(using=queryset.db, origin=queryset)
    collector.collect(rows)
    return collector.delete()[1].get(queryset.model._meta.label, 0)


def _check_free(plan: DemoPlan) -> None:
    """Refuse to write over rows that are not the demo's (unique keys already taken)."""
    checks = [
        (Operator, "credit_code", [o.credit_code for o in plan.operators]),
        (TestingAgency, "credit_code", [a.credit_code for a in plan.agencies]),
        (TestingAgency, "cma_number", [a.cma_number for a in plan.agencies]),
        (Enterprise, "credit_code", [e.credit_code for e in plan.enterprises]),
        (Facility, "mn", [f.mn for f in plan.facilities if f.mn]),
        (Personnel, "certificate_number", [p.certificate_number for p in plan.personnel]),
    ]
    for model, name, values in checks:
        taken = list(
            model.objects.filter(**{f"{name}__in": values}).values_list(name, flat=True)[:3]
        )
        if taken:
            raise DemoConflict(
                f"{model._meta.label}.{name} {', '.join(map(str, taken))} already exist; "
                "run with --reset to replace an earlier demo, or use another --seed"
            )


def _validate(objects: Iterable[models.Model], relations: Sequence[str] = ()) -> None:
    """Link to saved parents, then run field and model validation without database lookups."""
    for obj in objects:
        for name in relations:
            setattr(obj, name, getattr(obj, name))
        obj.clean_fields(exclude=list(relations))
        obj.clean()


def _save(objects: list[Any], relations: Sequence[str] = ()) -> None:
    if objects:
        _validate(objects, relations)
        type(objects[0]).objects.bulk_create(objects, batch_size=500)


def build_demo(
    seed: int,
    as_of: date,
    enterprises: int = DEFAULT_ENTERPRISES,
    *,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write the demo province for ``(seed, as_of)`` unless an earlier demo is still loaded.

    With ``reset`` the rows of every earlier demo load are deleted first. The whole load is one
    transaction, attributed to ``cli:demo`` in the audit log.
    """
    step = progress or (lambda _label: None)
    summary = DemoSummary(seed=seed, as_of=as_of, enterprises=enterprises)
    with audit.acting_as(DEMO_ACTOR), transaction.atomic():
        loads = previous_loads()
        managed = set(_keys(loads, "users"))
        if reset and loads:
            summary.deleted = delete_demo(loads)
        elif demo_present(loads):
            last = loads[-1]
            summary.skipped = True
            summary.seed = last["demo"]["seed"]
            summary.as_of = date.fromisoformat(last["demo"]["as_of"])
            summary.enterprises = last["demo"]["enterprises"]
            summary.counts = last["counts"]
            summary.survey = last.get("survey", {})
            summary.logins = existing_logins(managed)
            return summary

        step(STEPS[0])
        regions = load_regions()
        if not regions.cities:
            raise DemoConflict("no cities in the database: run `ceguan migrate` first")
        step(STEPS[1])
        try:
            plan = plan_demo(seed, as_of, enterprises, regions)
        except NotInForce as error:
            raise DemoConflict(f"--as-of {as_of.isoformat()}: {error.message}") from error
        _check_free(plan)
        taken = set(
            DesignatedContact.objects.filter(plan_year=as_of.year).values_list("city_id", flat=True)
        )
        plan.contacts = [ct for ct in plan.contacts if ct.city.pk not in taken]

        step(STEPS[2])
        _save(plan.operators)
        _save(plan.agencies, ["city"])
        step(STEPS[3])
        _save(plan.enterprises, ["city", "county"])
        step(STEPS[4])
        _save(plan.outlets, ["enterprise"])
        _save(plan.facilities, ["outlet", "operator"])
        step(STEPS[5])
        _save(plan.personnel, ["city", "agency"])
        _save(plan.contacts, ["city"])
        step(STEPS[6])
        summary.logins, summary.kept_users = save_users(regions, plan, managed)

        step(STEPS[7])
        summary.counts = {
            "operators": len(plan.operators),
            "agencies": len(plan.agencies),
            "enterprises": len(plan.enterprises),
            "outlets": len(plan.outlets),
            "facilities": len(plan.facilities),
            "personnel": len(plan.personnel),
            "contacts": len(plan.contacts),
            "users": len(summary.logins),
        }
        summary.survey = survey_figures(plan, as_of)
        audit.record(
            AuditAction.IMPORT,
            summary=(
                f"演示省份：种子 {seed}，基准日 {as_of.isoformat()}，"
                f"{len(plan.enterprises)} 家排污单位、{len(plan.facilities)} 台套设施"
            ),
            changes={
                "demo": {"seed": seed, "as_of": as_of.isoformat(), "enterprises": enterprises},
                "counts": summary.counts,
                "survey": summary.survey,
                "keys": {
                    "operators": [o.credit_code for o in plan.operators],
                    "agencies": [a.credit_code for a in plan.agencies],
                    "enterprises": [e.credit_code for e in plan.enterprises],
                    "personnel": [p.certificate_number for p in plan.personnel],
                    "contacts": [[ct.city.code, ct.plan_year, ct.name] for ct in plan.contacts],
                    "users": [login.username for login in summary.logins],
                },
            },
        )
    return summary
