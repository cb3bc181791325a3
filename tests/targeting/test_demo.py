"""The demo quarter behind ``make demo``: a real plan drawn, verifiable, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ceguan.core.models import User
from ceguan.targeting.choices import PlanState
from ceguan.targeting.models import QuarterlyPlan, Task
from ceguan.targeting.verification import verify_plan

pytestmark = pytest.mark.django_db


def test_the_demo_quarter_draws_lanzhou_and_leaves_tianshui_committed() -> None:
    call_command("demo", "--as-of", "2026-01-05", "--enterprises", "60", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_plans", stdout=out)
    lanzhou = QuarterlyPlan.objects.get(region__code="620100", year=2026, quarter=1)
    tianshui = QuarterlyPlan.objects.get(region__code="620500", year=2026, quarter=1)
    assert lanzhou.state == PlanState.ASSIGNED and tianshui.state == PlanState.COMMITTED
    assert verify_plan(lanzhou).match
    assert lanzhou.tasks.count() == lanzhou.n_to_draw > 0
    officer = User.objects.get(username="lanzhou_officer")
    mine = Task.objects.visible_to(officer)
    assert mine.exists() and all(t.plan_id == lanzhou.pk for t in mine)
    assert "lanzhou_officer" in out.getvalue()

    again = io.StringIO()
    call_command("demo_plans", stdout=again)  # idempotent: nothing redrawn
    lanzhou_again = QuarterlyPlan.objects.get(pk=lanzhou.pk)
    assert lanzhou_again.seed == lanzhou.seed and lanzhou_again.tasks.count() == lanzhou.n_to_draw
    assert "人员账号" not in again.getvalue()
