"""The draw ceremony as services: create → commit → freeze → draw (→ assign, in ``assignment``).

Each step runs in one transaction, locks the plan row, checks the user's jurisdiction and the
plan's state (an out-of-order step raises :class:`CeremonyError` saying what must come first),
stamps who and when, and writes one audit entry. The secret never reaches the audit log or any
user-serving query before the draw (see :class:`~ceguan.targeting.models.PlanSecret`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Region
from ceguan.standards import load_rulebook
from ceguan.targeting.bundle import make_bundle
from ceguan.targeting.choices import ItemSource, PlanState, TaskState, WayOfWorking
from ceguan.targeting.draw import commitment, new_secret
from ceguan.targeting.draw import draw as run_draw
from ceguan.targeting.models import (
    PlanItem,
    PlanSecret,
    QuarterlyPlan,
    Task,
    beijing_today,
)
from ceguan.targeting.population import build_population
from ceguan.targeting.quota import quarter_bounds

#: The ceremony's moves: state → (next state, the step that makes it).
TRANSITIONS: dict[str, tuple[str, str]] = {
    PlanState.DRAFT: (PlanState.COMMITTED, "commit"),
    PlanState.COMMITTED: (PlanState.FROZEN, "freeze"),
    PlanState.FROZEN: (PlanState.DRAWN, "draw"),
    PlanState.DRAWN: (PlanState.ASSIGNED, "assign"),
    PlanState.ASSIGNED: ("", ""),
}
#: The step each state needs before it, for error messages.
NEEDS: dict[str, str] = {step: str(state) for state, (_, step) in TRANSITIONS.items() if step}


class CeremonyError(ValueError):
    """A ceremony step that cannot run: out of order, bad input, or an inconsistent plan."""


def provincial_ways(on: date) -> tuple[str, ...]:
    """Ways of working only the province organises (``workplan.provincial_ways``)."""
    return load_rulebook().get("workplan.provincial_ways", on=on).codes()


def check_region(user: Any, region: Region) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may run plans of ``region``."""
    scope = scope_of(user)
    if not scope.can_edit:
        raise PermissionDenied(f"user {user} may not run plans")
    if scope.everything:
        return
    if region.level != "city" or region.pk not in scope.city_ids:
        raise PermissionDenied(f"{region} is outside the jurisdiction of {user}")


def create_plan(
    user: Any, region: Region, year: int, quarter: int, way_of_working: str = WayOfWorking.JOINT
) -> QuarterlyPlan:
    """Create a draft plan of ``region`` (a city, or the province for its own plan)."""
    if region.level not in ("city", "province"):
        raise CeremonyError(f"{region} is a {region.level}: plans are per city or the province")
    check_region(user, region)
    start, _ = quarter_bounds(year, quarter)
    if way_of_working not in WayOfWorking.values:
        raise CeremonyError(f"unknown way of working {way_of_working!r}")
    if region.level == "city" and way_of_working in provincial_ways(start):
        raise CeremonyError(f"way of working {way_of_working!r} is organised by the province only")
    with transaction.atomic():
        if QuarterlyPlan.objects.filter(region=region, year=year, quarter=quarter).exists():
            raise CeremonyError(f"{region} already has a plan for {year}Q{quarter}")
        plan = QuarterlyPlan.objects.create(
            region=region,
            year=year,
            quarter=quarter,
            way_of_working=way_of_working,
            created_by=user,
        )
        _audit(user, plan, AuditAction.CREATE, "create", {"state": [None, plan.state]})
    return plan


def _step(plan: QuarterlyPlan, user: Any, step: str) -> QuarterlyPlan:
    """Lock ``plan``, check jurisdiction and that ``step`` is the next one; return the row."""
    locked = QuarterlyPlan.objects.select_for_update().select_related("region").get(pk=plan.pk)
    check_region(user, locked.region)
    needed = NEEDS[step]
    if locked.state != needed:
        allowed = TRANSITIONS[locked.state][1]
        hint = f"the next step is {allowed!r}" if allowed else "the ceremony is over"
        raise CeremonyError(
            f"plan {locked} is {str(locked.state)!r}; {step!r} needs {needed!r} ({hint})"
        )
    return locked


def _advance(locked: QuarterlyPlan, user: Any, step: str, extra: dict[str, Any]) -> None:
    before = locked.state
    locked.state = TRANSITIONS[before][0]
    now = timezone.now()
    stamp = {"commit": "committed", "freeze": "frozen", "draw": "drawn", "assign": "assigned"}[step]
    setattr(locked, f"{stamp}_at", now)
    setattr(locked, f"{stamp}_by", user)
    locked.save()
    _audit(user, locked, AuditAction.UPDATE, step, {"state": [before, locked.state], **extra})


def commit_plan(plan: QuarterlyPlan, user: Any) -> QuarterlyPlan:
    """Commit: draw a fresh secret, seal it, publish only SHA-256(secret) (draft → committed)."""
    with transaction.atomic():
        locked = _step(plan, user, "commit")
        secret = new_secret()
        PlanSecret.objects.update_or_create(plan=locked, defaults={"secret_hex": secret.hex()})
        locked.commitment = commitment(secret)
        _advance(locked, user, "commit", {"commitment": [None, locked.commitment]})
    plan.refresh_from_db()  # the caller's instance shows the new state too
    return plan


def freeze_plan(
    plan: QuarterlyPlan,
    user: Any,
    *,
    on: date | None = None,
    n: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> QuarterlyPlan:
    """Freeze the population on ``on`` (default today, Beijing): scores, weights, π, n, hash.

    ``n`` overrides the quota target (a city may draw more, never less; the province's own plan
    has no quota and needs ``n``).
    """
    with transaction.atomic():
        locked = _step(plan, user, "freeze")
        day = on or beijing_today()
        last = quarter_bounds(locked.year, locked.quarter)[1]
        if day > last:
            raise CeremonyError(
                f"freeze day {day} is after the end of {locked.year}Q{locked.quarter}"
            )
        frozen = build_population(locked, day, n, progress=progress)
        _advance(
            locked,
            user,
            "freeze",
            {
                "population_hash": [None, frozen.population_hash],
                "n_to_draw": [None, frozen.n],
                "eligible": [None, frozen.eligible],
                "counted_facilities": [None, frozen.counted],
            },
        )
    plan.refresh_from_db()  # the caller's instance shows the new state too
    return plan


def draw_plan(plan: QuarterlyPlan, user: Any) -> QuarterlyPlan:
    """Reveal the secret, draw, store the bundle, create plan items and tasks (frozen → drawn)."""
    with transaction.atomic():
        locked = _step(plan, user, "draw")
        sealed = PlanSecret.objects.select_for_update().get(plan=locked)
        secret = bytes.fromhex(sealed.secret_hex)
        if commitment(secret) != locked.commitment:
            raise CeremonyError(f"plan {locked}: the sealed secret does not match the commitment")
        units = list(
            locked.population.filter(excluded_reason="").values_list("facility_id", "weight")
        )
        population = [(str(fid), weight) for fid, weight in units]
        result = run_draw(population, locked.n_to_draw, locked.floor, secret)
        if result.population_hash != locked.population_hash:
            raise CeremonyError(
                f"plan {locked}: the population changed after it was frozen "
                f"({result.population_hash} ≠ {locked.population_hash})"
            )
        bundle = make_bundle(population, locked.n_to_draw, locked.floor, secret, result)
        locked.revealed_secret = secret.hex()
        locked.seed = result.seed
        locked.bundle = bundle.to_json()
        sealed.delete()
        tasks = _create_tasks(locked, [int(fid) for fid in result.selected], user)
        _advance(
            locked,
            user,
            "draw",
            {"seed": [None, result.seed], "selected": [None, list(result.selected)],
             "tasks": [None, [t.reference for t in tasks]]},
        )  # fmt: skip
    plan.refresh_from_db()  # the caller's instance shows the new state too
    return plan


def visit_window(plan: QuarterlyPlan, day: date) -> tuple[date, date]:
    """The unannounced visit window of a task created on ``day``: the rest of the quarter."""
    first, last = quarter_bounds(plan.year, plan.quarter)
    return min(max(first, day + timedelta(days=1)), last), last


def next_reference(plan: QuarterlyPlan, prefix: str = "") -> Callable[[], str]:
    """A generator of task references ``<region code>-<year>Q<q>-<prefix><nnn>`` for ``plan``."""
    base = f"{plan.region.code}-{plan.year}Q{plan.quarter}-{prefix}"
    taken = Task.objects.filter(reference__regex=rf"^{re.escape(base)}[0-9]+$").count()
    counter = iter(range(taken + 1, 10**6))
    return lambda: f"{base}{next(counter):03d}"


def _create_tasks(plan: QuarterlyPlan, selected: list[int], user: Any) -> list[Task]:
    from ceguan.registry.models import Facility

    facilities = {
        f.pk: f
        for f in Facility.objects.filter(pk__in=selected).select_related("outlet__enterprise")
    }
    by_enterprise: dict[int, list[tuple[int, Any]]] = {}
    for order, pk in enumerate(selected):
        facility = facilities[pk]
        by_enterprise.setdefault(facility.outlet.enterprise_id, []).append((order, facility))
    visit_from, visit_until = visit_window(plan, beijing_today())
    reference = next_reference(plan)
    way = plan.way_of_working
    tasks = []
    for items in by_enterprise.values():
        enterprise = items[0][1].outlet.enterprise
        tasks.append(
            Task(
                reference=reference(),
                plan=plan,
                enterprise=enterprise,
                city_id=enterprise.city_id,
                way_of_working=way,
                cross_city=way == WayOfWorking.CROSS_CITY,
                source=ItemSource.DRAW,
                visit_from=visit_from,
                visit_until=visit_until,
                state=TaskState.PLANNED,
                created_by=user,
            )
        )
    Task.objects.bulk_create(tasks)
    saved = {t.reference: t for t in Task.objects.filter(plan=plan, source=ItemSource.DRAW)}
    rows = []
    for task, items in zip(tasks, by_enterprise.values(), strict=True):
        for order, facility in items:
            rows.append(
                PlanItem(
                    plan=plan,
                    facility=facility,
                    enterprise_id=facility.outlet.enterprise_id,
                    way_of_working=way,
                    source=ItemSource.DRAW,
                    task=saved[task.reference],
                    draw_order=order,
                )
            )
    PlanItem.objects.bulk_create(rows)
    return [saved[t.reference] for t in tasks]


def _audit(user: Any, plan: QuarterlyPlan, action: str, step: str, changes: dict[str, Any]) -> None:
    audit.record(
        action,
        model="targeting.QuarterlyPlan",
        object_id=plan.pk,
        summary=f"{plan} {step}",
        changes=changes,
        actor=user.get_username() if user is not None else None,
    )
