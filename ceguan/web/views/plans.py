"""Quarterly plan pages (issue 5 §8): the plan list with the year's quota progress, a new plan,
and the draw ceremony (commit → freeze → draw → assign) of one plan.

Views call the targeting services only (:mod:`ceguan.targeting.ceremony`,
:mod:`~ceguan.targeting.assignment`, :mod:`~ceguan.targeting.reading`); every look-up goes
through ``visible_to`` (another city's plan is a 404) and every step is a POST that users who
may not run the plan get a 403 for. The sealed secret (``PlanSecret``) is never read here: a page
shows the secret only once the draw has revealed it (``QuarterlyPlan.revealed_secret``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Region
from ceguan.targeting.assignment import assign_plan
from ceguan.targeting.ceremony import (
    TRANSITIONS,
    CeremonyError,
    commit_plan,
    create_plan,
    draw_plan,
    freeze_plan,
    provincial_ways,
)
from ceguan.targeting.choices import PlanState, WayOfWorking
from ceguan.targeting.models import QuarterlyPlan, beijing_today
from ceguan.targeting.progress import region_progress
from ceguan.targeting.quota import quarter_of
from ceguan.targeting.reading import plan_for
from ceguan.web.views.plan_detail import detail_context

#: The ceremony's steps as the page names them: step → button label.
STEP_LABELS: dict[str, Any] = {
    "commit": gettext_lazy("公布承诺值"),
    "freeze": gettext_lazy("冻结抽取范围"),
    "draw": gettext_lazy("抽取"),
    "assign": gettext_lazy("随机选派人员"),
}
STEP_DONE: dict[str, Any] = {
    "commit": gettext_lazy("已公布承诺值。"),
    "freeze": gettext_lazy("已冻结抽取范围。"),
    "draw": gettext_lazy("已完成抽取。"),
    "assign": gettext_lazy("已随机选派人员。"),
}


def region_label(region: Region) -> str:
    """A region's name in the page's language."""
    zh = (get_language() or "zh").startswith("zh")
    return region.name if zh or not region.name_en else region.name_en


def visible_regions(user: Any) -> list[Region]:
    """Regions whose plans ``user`` sees: the province and every city, or the user's city."""
    scope = scope_of(user)
    if scope.everything:
        return list(Region.objects.filter(level__in=("province", "city")).order_by("code"))
    if scope.agency_id is not None or not scope.city_ids:
        return []
    return list(Region.objects.filter(pk__in=scope.city_ids).order_by("code"))


def editable_regions(user: Any) -> list[Region]:
    """Regions ``user`` may create plans for (province editors: the province and every city)."""
    return visible_regions(user) if scope_of(user).can_edit else []


class PlanForm(forms.Form):
    """A new draft plan: region (only those the user runs), year, quarter, way of working."""

    region = forms.TypedChoiceField(label=gettext_lazy("市（州）或省"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2018, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), coerce=int, choices=[(q, f"Q{q}") for q in range(1, 5)]
    )
    way_of_working = forms.ChoiceField(label=gettext_lazy("工作方式"))

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, region_label(r)) for r in editable_regions(user)]
        ways = list(WayOfWorking.choices)
        if not scope_of(user).everything:  # cities may not use the province's ways
            provincial = provincial_ways(beijing_today())
            ways = [(v, label) for v, label in ways if v not in provincial]
        self.fields["way_of_working"].choices = ways


def _progress(regions: list[Region], year: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each region's year (table rows) and the chart's data (one series set per region)."""
    today = beijing_today()
    rows, chart = [], []
    for region in regions:
        progress = region_progress(region, year, today)
        quarters = progress.quarters
        now = quarters[quarter_of(today) - 1] if year == today.year else quarters[-1]
        # ceil(A × 4 / 4) = A: the cumulative target of Q4 is the yearly quota.
        rows.append(
            {"region": region, "label": region_label(region), "progress": progress,
             "annual": quarters[-1].cumulative_due, "now": now,
             "visited": sum(q.visited for q in quarters)}
        )  # fmt: skip
        chart.append(
            {
                "name": region_label(region),
                "due": [q.due for q in quarters],
                "drawn": [q.drawn for q in quarters],
                "adhoc": [q.adhoc for q in quarters],
                "visited": [q.visited for q in quarters],
                "shortfall": [q.shortfall for q in quarters],
            }
        )
    text = {
        "due": _("本季度应检"), "drawn": _("随机抽取"), "adhoc": _("临时任务"),
        "visited": _("已现场检查"), "shortfall": _("累计缺口"),
        "quarters": [f"Q{q}" for q in range(1, 5)],
    }  # fmt: skip
    return rows, {"regions": chart, "text": text}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans the user sees (by year and region), the year's quota progress, a new plan form."""
    user = request.user
    today = beijing_today()
    status = 200
    form = None
    if editable_regions(user):
        initial = {"year": today.year, "quarter": quarter_of(today), "way_of_working": "joint"}
        form = PlanForm(user, request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            region = Region.objects.get(pk=data["region"])
            try:
                plan = create_plan(
                    user, region, data["year"], data["quarter"], data["way_of_working"]
                )
            except CeremonyError as exc:
                messages.error(request, _("计划未创建：%(reason)s") % {"reason": exc})
            else:
                messages.success(request, _("已创建计划 %(plan)s。") % {"plan": plan})
                return redirect("plan-detail", pk=plan.pk)
        status = 400
    regions = visible_regions(user)
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
    chosen = request.GET.get("region", "")
    shown = [r for r in regions if str(r.pk) == chosen] or regions
    plans = (
        QuarterlyPlan.objects.visible_to(user)
        .filter(year=year, region__in=shown)
        .select_related("region")
        .order_by("quarter", "region__code")
    )
    rows, chart = _progress(shown, year)
    years = sorted({today.year, year, *QuarterlyPlan.objects.visible_to(user).values_list(
        "year", flat=True)}, reverse=True)  # fmt: skip
    context = {
        "plans": plans, "form": form, "year": year, "years": years, "regions": regions,
        "region_choice": chosen, "progress_rows": rows, "chart": chart,
        "region_options": [(str(r.pk), region_label(r)) for r in regions],
    }  # fmt: skip
    return render(request, "web/targeting/plans.html", context, status=status)


def _run_step(request: HttpRequest, plan: QuarterlyPlan, step: str) -> None:
    """Run ``step`` through the services (``CeremonyError`` on a refused or bad step)."""
    user = request.user
    if step == "commit":
        commit_plan(plan, user)
    elif step == "freeze":
        text = request.POST.get("n", "").strip()
        if text and not text.isdigit():
            raise CeremonyError(_("抽取台套数必须是非负整数，收到 %(n)r。") % {"n": text})
        freeze_plan(plan, user, n=int(text) if text else None)
    elif step == "draw":
        draw_plan(plan, user)
    elif step == "assign":
        assign_plan(plan, user)
    else:
        raise CeremonyError(_("未知的步骤 %(step)r。") % {"step": step})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The ceremony page of one plan; a POST runs the next step."""
    plan = plan_for(request.user, pk)
    can_run = QuarterlyPlan.objects.editable_by(request.user).filter(pk=pk).exists()
    status = 200
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        step = request.POST.get("step", "")
        try:
            _run_step(request, plan, step)
        except CeremonyError as exc:
            messages.error(request, _("操作未执行：%(reason)s") % {"reason": exc})
            plan.refresh_from_db()
            status = 400
        else:
            messages.success(request, str(STEP_DONE[step]))
            return redirect("plan-detail", pk=pk)
    context = detail_context(request, plan)
    next_step = TRANSITIONS[plan.state][1]
    context.update(
        can_run=can_run,
        next_step=next_step,
        next_label=STEP_LABELS.get(next_step, ""),
        needs_n=next_step == "freeze",
        n_required=next_step == "freeze" and plan.is_province,
        region_name=region_label(plan.region),
    )
    return render(request, "web/targeting/plan.html", context, status=status)


@login_required
@require_GET
def plan_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """The drawn plan's reproducibility bundle as a JSON file, for users who see the plan."""
    plan = plan_for(request.user, pk)
    if plan.state not in (PlanState.DRAWN, PlanState.ASSIGNED) or not plan.bundle:
        raise Http404("no bundle yet")
    response = HttpResponse(plan.bundle, content_type="application/json; charset=utf-8")
    name = f"draw-{plan.region.code}-{plan.year}Q{plan.quarter}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
