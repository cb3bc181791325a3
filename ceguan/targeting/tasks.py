"""Task services: ad hoc tasks from alarms (issue 5 §6), completing and cancelling a task.

An ad hoc task is created in one step from one or more alarms of one enterprise: it joins the
plan of the creator's region for the current quarter (the province's own plan for province
users, created if missing), its facilities become plan items with the alarms linked as evidence,
and the alarms are marked tasked (``ceguan.screening.alarms.mark_tasked``) in the same
transaction. Items of the province's plan count toward no city's quota; a city's own ad hoc
items count toward its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Region
from ceguan.screening import alarms as alarm_services
from ceguan.screening.models import Alarm
from ceguan.targeting.assignment import _audit_task, _check_task
from ceguan.targeting.ceremony import (
    CeremonyError,
    create_plan,
    next_reference,
    provincial_ways,
    visit_window,
)
from ceguan.targeting.choices import ItemSource, TaskState, WayOfWorking
from ceguan.targeting.models import PlanItem, QuarterlyPlan, Task, beijing_today
from ceguan.targeting.quota import quarter_of


def own_region(user: Any) -> Region:
    """The region whose plans ``user`` runs: the province for province roles, else their city."""
    scope = scope_of(user)
    if not scope.can_edit:
        raise PermissionDenied(f"user {user} may not create tasks")
    if scope.everything:
        return Region.objects.get(level="province")
    (city_id,) = scope.city_ids
    return Region.objects.get(pk=city_id)


def current_plan(user: Any, region: Region, day: date) -> QuarterlyPlan:
    """The plan of ``region`` for the quarter of ``day``, created (draft) if missing."""
    quarter = quarter_of(day)
    plan = QuarterlyPlan.objects.filter(region=region, year=day.year, quarter=quarter).first()
    return plan or create_plan(user, region, day.year, quarter)


def create_adhoc_task(
    user: Any,
    alarms: Iterable[Alarm | int],
    way_of_working: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> Task:
    """One task from alarms of one enterprise, in one step; the alarms become its evidence."""
    ids = [a.pk if isinstance(a, Alarm) else int(a) for a in alarms]
    if not ids:
        raise CeremonyError("an ad hoc task needs at least one alarm")
    if way_of_working not in WayOfWorking.values:
        raise CeremonyError(f"unknown way of working {way_of_working!r}")
    day = beijing_today(now)
    with transaction.atomic():
        found = list(
            Alarm.objects.visible_to(user)
            .filter(pk__in=ids)
            .select_related("facility__outlet__enterprise")
        )
        missing = sorted(set(ids) - {a.pk for a in found})
        if missing:
            raise CeremonyError(f"alarm(s) {missing} not found")
        enterprises = {a.facility.outlet.enterprise for a in found}
        if len(enterprises) != 1:
            names = ", ".join(sorted(e.name for e in enterprises))
            raise CeremonyError(
                f"the alarms belong to several enterprises ({names}): one task each"
            )
        (enterprise,) = enterprises
        region = own_region(user)
        if region.level == "city" and way_of_working in provincial_ways(day):
            raise CeremonyError(
                f"way of working {way_of_working!r} is organised by the province only"
            )
        plan = current_plan(user, region, day)
        # Lock the plan so that concurrent ad hoc tasks number their references one by one.
        plan = QuarterlyPlan.objects.select_for_update().select_related("region").get(pk=plan.pk)
        visit_from, visit_until = visit_window(plan, day)
        task = Task.objects.create(
            reference=next_reference(plan, "A")(),
            plan=plan,
            enterprise=enterprise,
            city_id=enterprise.city_id,
            way_of_working=way_of_working,
            cross_city=way_of_working == WayOfWorking.CROSS_CITY,
            source=ItemSource.ADHOC,
            visit_from=visit_from,
            visit_until=visit_until,
            note=note,
            created_by=user,
        )
        for facility_id in sorted({a.facility_id for a in found}):
            item = PlanItem.objects.create(
                plan=plan,
                facility_id=facility_id,
                enterprise=enterprise,
                way_of_working=way_of_working,
                source=ItemSource.ADHOC,
                task=task,
            )
            item.alarms.set([a for a in found if a.facility_id == facility_id])
        for alarm in found:
            alarm_services.mark_tasked(alarm, task.reference, actor=user.get_username(), now=now)
        audit.record(
            AuditAction.CREATE,
            model="targeting.Task",
            object_id=task.pk,
            summary=f"{task} adhoc",
            changes={"alarms": [None, sorted(ids)], "way_of_working": [None, way_of_working]},
            actor=user.get_username(),
        )
    return task


def complete_task(task: Task, visited_on: date, user: Any) -> Task:
    """Record the on-site visit (the last on-site check of its facilities); fieldwork calls it."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        _check_task(locked, user)
        if locked.state != TaskState.ASSIGNED:
            raise CeremonyError(f"task {locked} is {locked.state!r}; only an assigned task is done")
        locked.state, locked.visited_on = TaskState.DONE, visited_on
        locked.save(update_fields=["state", "visited_on"])
        _audit_task(user, locked, "done", {"visited_on": [None, visited_on.isoformat()]})
    task.refresh_from_db()
    return task


def cancel_task(task: Task, reason: str, user: Any) -> Task:
    """Cancel a task not yet done; its facilities then count toward no quota (a shortfall)."""
    if not reason.strip():
        raise CeremonyError("cancelling a task needs a reason")
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        _check_task(locked, user)
        if locked.state in (TaskState.DONE, TaskState.CANCELLED):
            raise CeremonyError(f"task {locked} is {locked.state!r} and cannot be cancelled")
        before = locked.state
        locked.state = TaskState.CANCELLED
        locked.note = (locked.note + "\n" if locked.note else "") + reason
        locked.save(update_fields=["state", "note"])
        _audit_task(
            user, locked, "cancel", {"state": [before, locked.state], "reason": [None, reason]}
        )
    task.refresh_from_db()
    return task
