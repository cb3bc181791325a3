"""The demo province's quarter: one city's plan run through the whole ceremony, one committed.

``make demo`` calls :func:`run_demo_quarter` after the registry demo, so the plan, task and verify
pages have something real to show: Lanzhou's plan for the current quarter is committed, frozen,
drawn and assigned by its city admin, and the demo officer and monitor logins are linked to
members of the drawn teams (so "my tasks" lists them); Tianshui's plan is left committed, for a
visitor to freeze and draw. Idempotent: existing plans are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ceguan.core.audit import acting_as
from ceguan.core.models import User
from ceguan.registry.demo.names import LANZHOU, TIANSHUI
from ceguan.registry.models import Region
from ceguan.targeting.assignment import assign_plan
from ceguan.targeting.ceremony import commit_plan, create_plan, draw_plan, freeze_plan
from ceguan.targeting.models import PersonnelLogin, QuarterlyPlan, TaskMember, beijing_today
from ceguan.targeting.quota import quarter_of

#: (city code, its admin's demo login, the last step to run).
DEMO_PLANS = ((LANZHOU, "lanzhou_admin", "assign"), (TIANSHUI, "tianshui_admin", "commit"))
#: Demo logins linked to a drawn team member of the same kind, by personnel kind.
TEAM_LOGINS = (("lanzhou_officer", "officer"), ("lanzhou_monitor", "monitor"))
STEPS = ("commit", "freeze", "draw", "assign")


@dataclass(frozen=True)
class DemoQuarter:
    """What :func:`run_demo_quarter` did: plans by name and state, and logins linked."""

    plans: list[tuple[str, str]]
    linked: list[str]


def run_demo_quarter(report: Callable[[str], None] = lambda _: None) -> DemoQuarter:
    """Run the demo cities' plans for the current quarter up to their step (see module doc)."""
    today = beijing_today()
    year, quarter = today.year, quarter_of(today)
    plans: list[tuple[str, str]] = []
    for code, login, last in DEMO_PLANS:
        user = User.objects.filter(username=login).first()
        city = Region.objects.filter(code=code).first()
        if user is None or city is None:
            continue  # the registry demo was not loaded
        plan = QuarterlyPlan.objects.filter(region=city, year=year, quarter=quarter).first()
        if plan is None:
            with acting_as(login):
                plan = create_plan(user, city, year, quarter)
                for step in STEPS[: STEPS.index(last) + 1]:
                    report(f"{city.name} {year}Q{quarter}: {step}")
                    plan = _run(step, plan, user)
        plans.append((str(plan), plan.state))
    return DemoQuarter(plans, _link_team_logins())


def _run(step: str, plan: QuarterlyPlan, user: User) -> QuarterlyPlan:
    if step == "commit":
        return commit_plan(plan, user)
    if step == "freeze":
        return freeze_plan(plan, user)
    if step == "draw":
        return draw_plan(plan, user)
    return assign_plan(plan, user)


def _link_team_logins() -> list[str]:
    linked = []
    for login, kind in TEAM_LOGINS:
        user = User.objects.filter(username=login).first()
        if user is None or PersonnelLogin.objects.filter(user=user).exists():
            continue
        member = (
            TaskMember.objects.filter(
                personnel__kind=kind,
                personnel__city_id=user.region_id,
                personnel__login__isnull=True,
            )
            .select_related("personnel")
            .order_by("task__reference", "pk")
            .first()
        )
        if member is not None:
            PersonnelLogin.objects.create(user=user, personnel=member.personnel)
            linked.append(f"{login} = {member.personnel}")
    return linked
