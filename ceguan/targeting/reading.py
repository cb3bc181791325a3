"""Read-side helpers for views, API and CLI: scoped look-ups and explained scores.

Everything here goes through ``visible_to``; a plan or task the user may not see is a 404
(``Http404``), never a 403, so its existence is not disclosed (docs/decisions/0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from ceguan.targeting.models import PopulationUnit, QuarterlyPlan, RiskScoreRecord, Task
from ceguan.targeting.risk import FACTORS, WEIGHTS_PATH


def plan_for(user: Any, pk: int) -> QuarterlyPlan:
    """The plan ``pk`` if ``user`` may see it, else ``Http404``."""
    plan = QuarterlyPlan.objects.visible_to(user).select_related("region").filter(pk=pk).first()
    if plan is None:
        raise Http404("no such plan")
    return plan


def task_for(user: Any, pk: int) -> Task:
    """The task ``pk`` if ``user`` may see it now, else ``Http404``."""
    task = Task.objects.visible_to(user).select_related("enterprise", "plan").filter(pk=pk).first()
    if task is None:
        raise Http404("no such task")
    return task


def ranking(user: Any, plan: QuarterlyPlan) -> QuerySet[PopulationUnit]:
    """The plan's frozen population, highest risk first (excluded units included, marked)."""
    return (
        PopulationUnit.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("facility__outlet__enterprise")
        .order_by("-score", "facility_id")
    )


def score_history(user: Any, facility_id: int) -> QuerySet[RiskScoreRecord]:
    """A facility's risk scores over time, newest first."""
    return RiskScoreRecord.objects.visible_to(user).filter(facility_id=facility_id)


@dataclass(frozen=True)
class FactorLine:
    """One line of a score's explanation, ready to show."""

    name: str
    label_zh: str
    label_en: str
    value: float
    weight: float
    contribution: float
    clause: str
    verified: bool


def explained(factors: dict[str, Any], versions: dict[str, Any] | None = None) -> list[FactorLine]:
    """The stored explanation of a score (``PopulationUnit.factors`` or ``RiskScoreRecord``),
    as lines in display order; clauses from the plan's ``rulebook_versions`` when given."""
    versions = versions or {}
    lines = []
    for name, value, weight, contribution in factors["factors"]:
        label_zh, label_en = FACTORS[name]
        cited = versions.get(f"{WEIGHTS_PATH}.{name}", {})
        lines.append(
            FactorLine(
                name,
                label_zh,
                label_en,
                value,
                weight,
                contribution,
                cited.get("reference", ""),
                bool(cited.get("verified", False)),
            )
        )
    return lines
