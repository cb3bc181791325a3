"""Task pages (issue 5 §4, §6, §7): the task list, one task with its team, and tasking an alarm.

``/tasks/`` lists ``Task.objects.visible_to(user)``: officers and monitors see the tasks they are
on, a testing agency's users theirs from the first day of the visit window, staff every task of
their city (the province all). A task page shows the team, how it was drawn and whether the
recorded assignment re-runs to the same team; editors override a member (reason required), mark
the visit done or cancel. Actions go through :mod:`ceguan.targeting.assignment` and
:mod:`ceguan.targeting.tasks`; users who may not run the task get 403 on a POST, a task they
may not see is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Personnel, TestingAgency
from ceguan.screening.alarms import TRANSITIONS as ALARM_MOVES
from ceguan.screening.alarms import InvalidTransition
from ceguan.screening.models import Alarm, Status
from ceguan.targeting.assignment import (
    assign_task,
    override_member,
    replacement_keys,
    verify_assignment_record,
)
from ceguan.targeting.ceremony import CeremonyError
from ceguan.targeting.choices import TaskState, WayOfWorking
from ceguan.targeting.models import PlanItem, QuarterlyPlan, Task, TaskMember, beijing_today
from ceguan.targeting.reading import task_for
from ceguan.targeting.tasks import cancel_task, complete_task, create_adhoc_task
from ceguan.web.context import OWN_TASK_ROLES

PER_PAGE = 50


def _members() -> Prefetch:
    return Prefetch(
        "members", queryset=TaskMember.objects.select_related("personnel", "agency").order_by(
            "role", "pk")
    )  # fmt: skip


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The tasks the user may see now, filtered by state; newest plan first."""
    tasks = (
        Task.objects.visible_to(request.user)
        .select_related("enterprise", "plan__region", "city")
        .prefetch_related(_members())
        .order_by("-plan__year", "-plan__quarter", "reference")
    )
    state = request.GET.get("state", "")
    if state in TaskState.values:
        tasks = tasks.filter(state=state)
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {
        "page": page, "query_string": query, "state": state, "states": TaskState.choices,
        "mine": request.user.role in OWN_TASK_ROLES,
    }  # fmt: skip
    return render(request, "web/targeting/tasks.html", context)


def assignment_check(task: Task) -> dict[str, Any] | None:
    """The recorded assignment behind ``task``'s team, re-run: ``problems`` empty = match."""
    record = task.assignment_record or task.plan.assignment_record
    if not record or task.reference not in record.get("teams", {}):
        return None
    return {
        "problems": verify_assignment_record(record),
        "algorithm": record.get("algorithm", ""),
        "seed": record.get("seed", ""),
        "own": bool(task.assignment_record),
    }


def replacement_choices(task: Task, members: list[TaskMember]) -> dict[int, list[Any]]:
    """For each member, who could replace them (:func:`replacement_keys`, the same rules as
    ``override_member``), as (key, person or agency) pairs."""
    keys = replacement_keys(task, sorted({m.role for m in members}))
    wanted = {k for ks in keys.values() for k in ks}
    ids = {kind: [int(k[1:]) for k in wanted if k[0] == kind] for kind in "pa"}
    people = {f"p{p.pk}": p for p in Personnel.objects.filter(pk__in=ids["p"])}
    agencies = {f"a{a.pk}": a for a in TestingAgency.objects.filter(pk__in=ids["a"])}
    return {m.pk: [(k, people.get(k) or agencies.get(k)) for k in keys[m.role]] for m in members}


def _detail_context(request: HttpRequest, task: Task, can_edit: bool) -> dict[str, Any]:
    alarms = Alarm.objects.visible_to(request.user).select_related("facility")
    items = (
        PlanItem.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("facility__outlet")
        .prefetch_related(Prefetch("alarms", queryset=alarms))
    )
    members = list(task.members.select_related("personnel", "agency").order_by("role", "pk"))
    editable = can_edit and task.state in (TaskState.PLANNED, TaskState.ASSIGNED)
    return {
        "task": task, "items": items, "members": members,
        "check": assignment_check(task), "can_edit": editable,
        "can_assign": editable and task.state == TaskState.PLANNED,
        "can_override": editable and task.state == TaskState.ASSIGNED and bool(members),
        "can_complete": editable and task.state == TaskState.ASSIGNED,
        "replacements": replacement_choices(task, members) if editable and members else {},
        "today": beijing_today(),
        "plan_visible": QuarterlyPlan.objects.visible_to(request.user).filter(
            pk=task.plan_id).exists(),
    }  # fmt: skip


def _act(request: HttpRequest, task: Task) -> str:
    """Run the posted action; returns the success message (``CeremonyError`` if refused)."""
    user, post = request.user, request.POST
    action = post.get("action", "")
    if action == "assign":
        assign_task(task, user)
        return _("已随机选派人员。")
    if action == "override":
        member = get_object_or_404(TaskMember.objects.filter(task=task), pk=post.get("member"))
        key = post.get("replacement", "")
        model = {"p": Personnel, "a": TestingAgency}.get(key[:1])
        if model is None or not key[1:].isdigit():
            raise CeremonyError(_("请选择替换人员或机构。"))
        replacement = get_object_or_404(model, pk=int(key[1:]))
        override_member(member, replacement, post.get("reason", ""), user)
        return _("已调整检查组成员。")
    if action == "complete":
        try:
            visited = date.fromisoformat(post.get("visited_on", ""))
        except ValueError as exc:
            raise CeremonyError(_("现场检查日期格式应为 YYYY-MM-DD。")) from exc
        complete_task(task, visited, user)
        return _("已记录现场检查。")
    if action == "cancel":
        cancel_task(task, post.get("reason", ""), user)
        return _("任务已取消。")
    raise CeremonyError(_("未知的操作。"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One task; a POST assigns (ad hoc), overrides a member, marks it done or cancels it."""
    task = task_for(request.user, pk)
    can_edit = Task.objects.editable_by(request.user).filter(pk=pk).exists()
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            done = _act(request, task)
        except CeremonyError as exc:
            messages.error(request, _("操作未执行：%(reason)s") % {"reason": exc})
            task.refresh_from_db()
            status = 400
        else:
            messages.success(request, done)
            return redirect("task-detail", pk=pk)
    context = _detail_context(request, task, can_edit)
    return render(request, "web/targeting/task.html", context, status=status)


def tasking_form(request: HttpRequest, alarm: Alarm) -> dict[str, Any] | None:
    """The alarm page's "转为任务" form, for province editors while the alarm may be tasked:
    the ways of working and the enterprise's other open alarms that may join the task."""
    scope = scope_of(request.user)
    if not (scope.everything and scope.can_edit) or Status.TASKED not in ALARM_MOVES[alarm.status]:
        return None
    taskable = [s for s, moves in ALARM_MOVES.items() if Status.TASKED in moves]
    others = (
        Alarm.objects.visible_to(request.user)
        .filter(facility__outlet__enterprise_id=alarm.facility.outlet.enterprise_id)
        .filter(status__in=taskable)
        .exclude(pk=alarm.pk)
        .select_related("facility__outlet")
        .order_by("-opened_at")[:50]
    )
    return {"ways": WayOfWorking.choices, "others": list(others)}


@login_required
@require_POST
def alarm_task(request: HttpRequest, pk: int) -> HttpResponse:
    """转为任务: a province editor turns the alarm (and chosen others) into one ad hoc task."""
    alarm = get_object_or_404(Alarm.objects.visible_to(request.user), pk=pk)
    scope = scope_of(request.user)
    if not (scope.everything and scope.can_edit):
        raise PermissionDenied
    extra = {int(v) for v in request.POST.getlist("alarms") if v.isdigit()} - {alarm.pk}
    way = request.POST.get("way_of_working", "")
    try:
        task = create_adhoc_task(
            request.user, [alarm.pk, *sorted(extra)], way, note=request.POST.get("note", "").strip()
        )
    except (CeremonyError, InvalidTransition) as exc:
        messages.error(request, _("未能转为任务：%(reason)s") % {"reason": exc})
        return redirect("alarm-detail", pk=pk)
    messages.success(request, _("已创建任务 %(ref)s。") % {"ref": task.reference})
    return redirect("task-detail", pk=task.pk)
