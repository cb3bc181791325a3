"""What the ceremony page of a plan shows, built from the targeting read-side helpers.

Kept apart from :mod:`ceguan.web.views.plans` (which handles requests and steps) so each stays
small. Everything is read through ``visible_to``: the ranking (``reading.ranking``), the drawn
items and the tasks (their task's visibility: an officer sees only the tasks they are on).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ceguan.targeting.choices import ItemSource, PlanState
from ceguan.targeting.models import PlanItem, PopulationUnit, QuarterlyPlan, Task, TaskMember
from ceguan.targeting.reading import explained, ranking
from ceguan.targeting.verification import verify_plan

#: Facilities per page of the risk ranking.
RANKING_PER_PAGE = 50
#: The ceremony's states in order (the step indicator).
ORDER = [PlanState.DRAFT, PlanState.COMMITTED, PlanState.FROZEN, PlanState.DRAWN,
         PlanState.ASSIGNED]  # fmt: skip


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def steps(plan: QuarterlyPlan) -> list[dict[str, Any]]:
    """The step indicator: each state with who reached it and when, done or still to come."""
    stamps = {
        PlanState.DRAFT: (plan.created, plan.created_by),
        PlanState.COMMITTED: (plan.committed_at, plan.committed_by),
        PlanState.FROZEN: (plan.frozen_at, plan.frozen_by),
        PlanState.DRAWN: (plan.drawn_at, plan.drawn_by),
        PlanState.ASSIGNED: (plan.assigned_at, plan.assigned_by),
    }
    reached = ORDER.index(plan.state)
    return [
        {
            "state": str(state),
            "label": PlanState(state).label,
            "done": index <= reached,
            "current": index == reached,
            "at": stamps[state][0] if index <= reached else None,
            "by": stamps[state][1] if index <= reached else None,
        }
        for index, state in enumerate(ORDER)
    ]


def figures(plan: QuarterlyPlan) -> list[tuple[str, Any, str]]:
    """The frozen quota arithmetic, as (label, value, code) rows; empty before the freeze."""
    if ORDER.index(plan.state) < ORDER.index(PlanState.FROZEN):
        return []
    rulebook_floor = plan.rulebook_versions.get("targeting.draw_floor", {}).get("value")
    rows = [
        (_("设施计数日"), plan.count_day, "count_day"),
        (_("计数设施台套数"), plan.counted_facilities, "counted_facilities"),
        (_("年度应检台套数"), plan.annual_quota, "annual_quota"),
        (_("本年此前已完成"), plan.achieved_before, "achieved_before"),
        (_("上季度结转缺口"), plan.shortfall_in, "shortfall_in"),
        (_("本季度应抽台套数"), plan.quarter_target, "quarter_target"),
        (_("抽取台套数"), plan.n_to_draw, "n_to_draw"),
        (_("可抽取台套数"), plan.eligible_count, "eligible_count"),
        (_("规则规定的最低入选概率"), rulebook_floor, "rulebook_floor"),
        (_("实际采用的最低入选概率"), plan.floor, "floor"),
    ]
    return [(label, "—" if value is None else value, code) for label, value, code in rows]


def _ranking_page(request: HttpRequest, plan: QuarterlyPlan) -> Any:
    page = Paginator(ranking(request.user, plan), RANKING_PER_PAGE).get_page(
        request.GET.get("page")
    )
    zh = _zh()
    units = list(page.object_list)
    for unit in units:
        unit.lines = [
            {"label": line.label_zh if zh else line.label_en, "line": line}
            for line in explained(unit.factors, plan.rulebook_versions)
        ]
        unit.base = unit.factors.get("base")
    page.object_list = units
    return page


def drawn_items(request: HttpRequest, plan: QuarterlyPlan) -> list[PlanItem]:
    """The drawn facilities in draw order, each with its inclusion probability (π)."""
    items = list(
        PlanItem.objects.visible_to(request.user)
        .filter(plan=plan, source=ItemSource.DRAW)
        .select_related("facility__outlet__enterprise", "task")
        .order_by("draw_order")
    )
    pi = dict(
        PopulationUnit.objects.filter(plan=plan, facility_id__in=[i.facility_id for i in items])
        .values_list("facility_id", "inclusion_probability")
    )  # fmt: skip
    for item in items:
        item.pi = pi.get(item.facility_id)
    return items


def plan_tasks(request: HttpRequest, plan: QuarterlyPlan) -> list[Task]:
    """The plan's tasks the user sees, with their teams."""
    members = TaskMember.objects.select_related("personnel", "agency").order_by("role", "pk")
    return list(
        Task.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related("enterprise")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("reference")
    )


def detail_context(request: HttpRequest, plan: QuarterlyPlan) -> dict[str, Any]:
    """Everything the ceremony page shows for ``plan`` at its current state."""
    reached = ORDER.index(plan.state)
    frozen = reached >= ORDER.index(PlanState.FROZEN)
    drawn = reached >= ORDER.index(PlanState.DRAWN)
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return {
        "plan": plan,
        "steps": steps(plan),
        "figures": figures(plan),
        "frozen": frozen,
        "drawn": drawn,
        "ranking": _ranking_page(request, plan) if frozen else None,
        "query_string": query,
        "items": drawn_items(request, plan) if drawn else [],
        "outcome": verify_plan(plan) if drawn else None,
        "tasks": plan_tasks(request, plan),
    }
