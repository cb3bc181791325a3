"""Freezing a plan's population: who counts, who is eligible, scores, weights, π, n and hash.

Called by :func:`ceguan.targeting.ceremony.freeze_plan` inside its transaction; sets the plan's
freeze fields (the caller saves) and writes one :class:`PopulationUnit` and one
:class:`RiskScoreRecord` per counted facility.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from ceguan.registry.models import Facility
from ceguan.standards import load_rulebook
from ceguan.targeting.choices import ItemSource, TaskState
from ceguan.targeting.draw import (
    WEIGHT_DECIMALS,
    canonical_population,
    canonical_weight,
    inclusion_probabilities,
    population_hash,
)
from ceguan.targeting.facts import Windows, counted_facilities, gather
from ceguan.targeting.models import PlanItem, PopulationUnit, QuarterlyPlan, RiskScoreRecord
from ceguan.targeting.quota import quarter_target
from ceguan.targeting.risk import FACTORS, WEIGHTS_PATH, RiskScore, load_weights, risk_score

#: Rule-book parameters a freeze reads, recorded with their versions in the plan.
PARAMETERS = (
    "workplan.annual_inspection_quota",
    "workplan.focus_industries",
    "targeting.draw_floor",
    "targeting.recent_inspection_exclusion_days",
    "targeting.check_interval_days",
    "targeting.signal_window_days",
    "targeting.history_window_days",
    f"{WEIGHTS_PATH}.base",
    *(f"{WEIGHTS_PATH}.{name}" for name in FACTORS),
)


@dataclass(frozen=True)
class Frozen:
    population_hash: str
    n: int
    eligible: int
    counted: int


def explain(scored: RiskScore) -> dict[str, Any]:
    """A score's explanation as stored: ``{"base": b, "factors": [[name, value, weight,
    contribution], …]}`` in :data:`~ceguan.targeting.risk.FACTORS` order (a list, because
    PostgreSQL's jsonb does not keep key order; labels and clauses come from ``FACTORS`` and the
    plan's ``rulebook_versions``)."""
    return {
        "base": scored.base,
        "factors": [[f.name, f.value, f.weight, f.contribution] for f in scored.factors],
    }


def area_facilities(plan: QuarterlyPlan) -> QuerySet[Facility]:
    """Every facility in the plan's area: the city's enterprises', or the whole province's."""
    if plan.region.level == "province":
        return Facility.objects.all()
    return Facility.objects.filter(outlet__enterprise__city_id=plan.region_id)


def achieved_before(plan: QuarterlyPlan) -> int:
    """Facilities of the city's own plans in earlier quarters of the year, task not cancelled."""
    return (
        PlanItem.objects.filter(
            plan__region_id=plan.region_id, plan__year=plan.year, plan__quarter__lt=plan.quarter
        )
        .exclude(task__state=TaskState.CANCELLED)
        .count()
    )


def rulebook_versions(day: date) -> dict[str, dict[str, Any]]:
    """Each parameter a freeze uses on ``day``: effective date, citation, verified flag."""
    rulebook = load_rulebook()
    out = {}
    for path in PARAMETERS:
        found = rulebook.get(path, on=day)
        out[path] = {
            "effective_from": found.effective_from.isoformat(),
            "reference": found.reference.title,
            "verified": found.verified,
            "value": found.value if isinstance(found.value, int | float) else list(found.value),
        }
    return out


def build_population(
    plan: QuarterlyPlan, day: date, n: int | None, progress: Callable[[str], None] | None = None
) -> Frozen:
    """Score, exclude, weigh and hash the plan's population on ``day``; fix ``n`` and π."""
    from ceguan.targeting.ceremony import CeremonyError

    say = progress or (lambda _: None)
    rulebook = load_rulebook()
    weights = load_weights(rulebook, day)
    windows = Windows.load(rulebook, day)
    exclusion_days = int(
        rulebook.get("targeting.recent_inspection_exclusion_days", on=day).number()
    )
    floor = rulebook.get("targeting.draw_floor", on=day).number()
    counted = counted_facilities(area_facilities(plan), day)
    say("gather")
    facts = gather(counted, windows, plan.year)
    already = set(
        PlanItem.objects.filter(plan=plan).values_list("facility_id", flat=True)
    )  # ad hoc items of this very plan
    say("score")
    versions = rulebook_versions(day)
    weights_version = "weights@" + max(
        v["effective_from"] for k, v in versions.items() if k.startswith(WEIGHTS_PATH)
    )
    now = timezone.now()
    units, records, eligible = [], [], []
    for pk in sorted(facts):
        fact, raw = facts[pk]
        scored = risk_score(fact, weights)
        explained = explain(scored)
        weight = canonical_weight(round(scored.score, WEIGHT_DECIMALS))
        reason = ""
        days = fact.days_since_last_check
        if days is not None and days < exclusion_days:
            reason = f"recent_inspection: checked {days} days ago (< {exclusion_days})"
        elif pk in already:
            reason = "already in this plan (ad hoc)"
        units.append(
            PopulationUnit(
                plan=plan,
                facility_id=pk,
                score=scored.score,
                factors={**explained, "raw": raw},
                weight=weight,
                excluded_reason=reason,
            )
        )
        records.append(
            RiskScoreRecord(
                facility_id=pk,
                plan=plan,
                computed_at=now,
                on=day,
                score=scored.score,
                factors={**explained, "raw": raw},
                weights_version=weights_version,
            )
        )
        if not reason:
            eligible.append((str(pk), weight))
    # Quota (cities) or an explicit n (the province's own plan).
    plan.count_day, plan.counted_facilities = day, len(facts)
    if plan.region.level == "city":
        share = rulebook.get("workplan.annual_inspection_quota", on=day).number()
        own_adhoc = PlanItem.objects.filter(plan=plan, source=ItemSource.ADHOC).count()
        target = quarter_target(share, len(facts), plan.quarter, achieved_before(plan))
        plan.annual_quota, plan.achieved_before = target.annual_quota, target.achieved_before
        plan.shortfall_in, plan.quarter_target = target.shortfall_in, target.target
        due = max(0, target.target - own_adhoc)
        if n is None:
            n = min(due, len(eligible))  # a population too small carries the rest forward
        elif n < due:
            raise CeremonyError(f"n = {n} is below this quarter's quota target {due}")
    elif n is None:
        raise CeremonyError("the province's own plan has no quota: give the number to draw (n)")
    if n > len(eligible):
        raise CeremonyError(f"n = {n} but only {len(eligible)} facilities are eligible")
    if n <= 0 or not eligible:
        raise CeremonyError(f"plan {plan}: nothing to draw (n = {n}, {len(eligible)} eligible)")
    # The floor cannot exceed n / N (it would need more than n draws): cap it, and record that.
    effective_floor = min(floor, n / len(eligible))
    population = canonical_population(eligible)
    pi = inclusion_probabilities(np.array([float(w) for _, w in population]), n, effective_floor)
    pi_of = {int(fid): float(p) for (fid, _), p in zip(population, pi, strict=True)}
    for unit in units:
        unit.inclusion_probability = pi_of.get(unit.facility_id)
    say("write")
    PopulationUnit.objects.bulk_create(units, batch_size=2000)
    RiskScoreRecord.objects.bulk_create(records, batch_size=2000)
    plan.population_hash = population_hash(population)
    plan.n_to_draw, plan.floor, plan.eligible_count = n, effective_floor, len(eligible)
    versions["targeting.draw_floor"]["applied"] = effective_floor
    plan.rulebook_versions = versions
    return Frozen(plan.population_hash, n, len(eligible), len(facts))
