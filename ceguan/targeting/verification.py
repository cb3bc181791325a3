"""Verifying a draw: the bundle against itself, and against what the plan published.

:func:`ceguan.targeting.bundle.verify` re-runs a bundle and checks it is self-consistent. That is
not enough: someone could make a fresh secret after seeing the population and build a perfectly
consistent bundle from it. So a plan's draw also has to match what the plan published *before*
the population was frozen (its commitment) and the population it froze (its hash, n, floor), and
the plan's drawn items must be the bundle's selection. :func:`verify_plan` checks all of that;
:func:`verify_bundle_text` is what the CLI and the public verify page call with a bundle file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ceguan.targeting.bundle import Bundle, BundleError, verify
from ceguan.targeting.choices import ItemSource, PlanState
from ceguan.targeting.models import QuarterlyPlan
from ceguan.targeting.quota import quarter_bounds


@dataclass(frozen=True)
class Outcome:
    """Match or mismatch, with one reason per failed check (``"<check>: <what differs>"``).

    ``plan`` is the plan the bundle was checked against (None when no plan published its
    commitment); ``notes`` say what could not be checked.
    """

    match: bool
    reasons: list[str]
    plan: QuarterlyPlan | None = None
    notes: list[str] = field(default_factory=list)


def compare_with_plan(bundle: Bundle, plan: QuarterlyPlan) -> list[str]:
    """What in ``bundle`` differs from what ``plan`` published and recorded."""
    reasons = []
    if bundle.commitment != plan.commitment:
        reasons.append(
            f"published_commitment: the bundle's commitment {bundle.commitment} is not the one "
            f"plan {plan} published before freezing ({plan.commitment})"
        )
    if bundle.population_hash != plan.population_hash:
        reasons.append(
            f"frozen_population: the bundle's population hash {bundle.population_hash} is not the "
            f"one plan {plan} froze ({plan.population_hash})"
        )
    if bundle.n != plan.n_to_draw or bundle.floor != plan.floor:
        reasons.append(
            f"frozen_parameters: the bundle draws n={bundle.n} with floor {bundle.floor}, plan "
            f"{plan} froze n={plan.n_to_draw} with floor {plan.floor}"
        )
    if plan.state in (PlanState.DRAWN, PlanState.ASSIGNED):
        drawn = [
            str(fid)
            for fid in plan.items.filter(source=ItemSource.DRAW)
            .order_by("draw_order")
            .values_list("facility_id", flat=True)
        ]
        if drawn != list(bundle.selected):
            # The plan's own selection is not named: before the quarter ends it is secret (the
            # visits are unannounced), and anyone may upload a bundle to the public page.
            reasons.append(
                f"plan_items: the facilities plan {plan} drew are not the bundle's selection "
                f"{list(bundle.selected)}"
            )
    return reasons


def verify_plan(plan: QuarterlyPlan) -> Outcome:
    """Verify a drawn plan's stored bundle, against itself and against the plan."""
    if not plan.bundle:
        return Outcome(False, [f"state: plan {plan} is {plan.state!r} and has no bundle yet"], plan)
    bundle = Bundle.from_json(plan.bundle)
    reasons = verify(bundle).reasons + compare_with_plan(bundle, plan)
    return Outcome(not reasons, reasons, plan)


def verify_bundle_text(text: str | bytes, commitment: str | None = None) -> Outcome:
    """Verify an uploaded or published bundle.

    The bundle is re-run (:func:`~ceguan.targeting.bundle.verify`) and checked against the plan
    that published its commitment (or ``commitment``, when the verifier copied it from the
    plan's public page); a malformed file is a mismatch naming the problem.
    """
    try:
        bundle = Bundle.from_json(text)
    except BundleError as exc:
        return Outcome(False, [f"format: {exc}"])
    reasons = list(verify(bundle).reasons)
    notes: list[str] = []
    wanted = commitment or bundle.commitment
    plan = QuarterlyPlan.objects.filter(commitment=wanted).exclude(commitment="").first()
    if commitment is not None and commitment != bundle.commitment:
        reasons.append(
            f"published_commitment: the bundle's commitment {bundle.commitment} is not the "
            f"published {commitment}"
        )
    if plan is not None:
        reasons += [r for r in compare_with_plan(bundle, plan) if r not in reasons]
    elif commitment is None:
        notes.append(
            "no plan here published this commitment: the bundle was checked against itself only"
        )
    return Outcome(not reasons, reasons, plan, notes)


def bundle_public_from(plan: QuarterlyPlan) -> date:
    """The day a drawn plan's bundle may be published: the day after its quarter ends.

    The bundle names the facilities drawn; publishing it before the visits would announce them
    to the enterprises (the visits are unannounced). The commitment is public from the commit.
    """
    return quarter_bounds(plan.year, plan.quarter)[1] + timedelta(days=1)


def published_bundle(plan: QuarterlyPlan, on: date) -> str | None:
    """The bundle JSON if it may be shown to the public on ``on``, else None."""
    if not plan.bundle or on < bundle_public_from(plan):
        return None
    return plan.bundle
