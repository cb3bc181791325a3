"""The year's quota progress of a city (or the province's own plans), for pages and the CLI.

Counts come from the plans of exactly that region: a city's progress counts its own plans'
items (drawn and its own ad hoc ones), never the province's ad hoc tasks in that city (issue 5
§6). The yearly quota of a quarter is the one computed when its plan was frozen; before any plan
of the year is frozen, a provisional quota is computed from today's facility count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from ceguan.registry.models import Region
from ceguan.standards import load_rulebook
from ceguan.targeting.choices import ItemSource, TaskState
from ceguan.targeting.facts import counted_facilities
from ceguan.targeting.models import PlanItem, QuarterlyPlan
from ceguan.targeting.population import area_facilities
from ceguan.targeting.quota import QuarterProgress, annual_quota, year_progress


@dataclass(frozen=True)
class YearProgress:
    """A region's year: one row per quarter, the plans, and whether the quota is provisional."""

    region: Region
    year: int
    quarters: list[QuarterProgress]
    plans: dict[int, QuarterlyPlan]
    provisional: bool


def region_progress(region: Region, year: int, on: date) -> YearProgress:
    """Progress of ``region`` in ``year`` as of ``on`` (a Beijing day)."""
    plans = {p.quarter: p for p in QuarterlyPlan.objects.filter(region=region, year=year)}
    annual = {q: p.annual_quota for q, p in plans.items() if p.annual_quota is not None}
    provisional = False
    if region.level == "city" and not annual:
        share = load_rulebook().get("workplan.annual_inspection_quota", on=on).number()
        probe = QuarterlyPlan(region=region, year=year, quarter=1)
        annual = {1: annual_quota(share, counted_facilities(area_facilities(probe), on).count())}
        provisional = True
    items = PlanItem.objects.filter(plan__region=region, plan__year=year).exclude(
        task__state=TaskState.CANCELLED
    )
    rows = items.values_list("plan__quarter", "source", "task__state")
    drawn: Counter[int] = Counter()
    adhoc: Counter[int] = Counter()
    visited: Counter[int] = Counter()
    for quarter, source, state in rows:
        (drawn if source == ItemSource.DRAW else adhoc)[quarter] += 1
        visited[quarter] += state == TaskState.DONE
    planned = {q: p.n_to_draw for q, p in plans.items() if p.n_to_draw is not None}
    quarters = year_progress(annual, planned, drawn, adhoc, visited)
    return YearProgress(region, year, quarters, plans, provisional)
