"""Who may run and see plans and tasks: alice (Lanzhou), bob (Tianshui), petra (province),
an officer on a team and one who is not, and a testing agency's user before and at the visit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from ceguan.core.choices import Role
from ceguan.targeting.assignment import assign_plan
from ceguan.targeting.ceremony import (
    CeremonyError,
    commit_plan,
    create_plan,
    draw_plan,
    freeze_plan,
)
from ceguan.targeting.models import PersonnelLogin, QuarterlyPlan, Task
from ceguan.targeting.tasks import create_adhoc_task
from tests.conftest import make_user
from tests.targeting.conftest import FREEZE_DAY, make_person
from tests.targeting.test_facts import alarm

pytestmark = pytest.mark.django_db


def assigned(user: Any, city: Any, way: str = "joint") -> QuarterlyPlan:
    plan = create_plan(user, city, 2026, 1, way)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=FREEZE_DAY, n=3)
    draw_plan(plan, user)
    return assign_plan(plan, user)


def test_a_city_cannot_create_or_run_another_citys_plan(world: Any, alice: Any, bob: Any) -> None:
    with pytest.raises(PermissionDenied):
        create_plan(alice, world.tianshui, 2026, 1)
    with pytest.raises(PermissionDenied):
        create_plan(alice, world.province, 2026, 1)
    plan = create_plan(bob, world.tianshui, 2026, 1)
    with pytest.raises(PermissionDenied):
        commit_plan(plan, alice)
    commit_plan(plan, bob)
    freeze_plan(plan, bob, on=FREEZE_DAY)
    with pytest.raises(PermissionDenied):
        draw_plan(plan, alice)


def test_a_city_sees_only_its_own_plans_and_the_province_sees_all(
    world: Any, alice: Any, bob: Any, petra: Any, audrey: Any
) -> None:
    mine = create_plan(alice, world.lanzhou, 2026, 1)
    theirs = create_plan(bob, world.tianshui, 2026, 1)
    own = create_plan(petra, world.province, 2026, 1)
    assert set(QuarterlyPlan.objects.visible_to(alice)) == {mine}
    assert set(QuarterlyPlan.objects.visible_to(bob)) == {theirs}
    assert set(QuarterlyPlan.objects.visible_to(petra)) == {mine, theirs, own}
    assert set(QuarterlyPlan.objects.visible_to(audrey)) == {mine, theirs, own}
    assert not QuarterlyPlan.objects.editable_by(audrey).exists()  # the auditor only reads
    assert set(QuarterlyPlan.objects.editable_by(alice)) == {mine}


def test_the_province_runs_a_citys_plan(world: Any, petra: Any) -> None:
    plan = assigned(petra, world.lanzhou)
    assert plan.state == "assigned" and plan.drawn_by == petra


def test_a_city_cannot_use_a_provincial_way_of_working(world: Any, alice: Any) -> None:
    with pytest.raises(CeremonyError, match="organised by the province only"):
        create_plan(alice, world.lanzhou, 2026, 1, "cross_city")


def test_the_province_plan_needs_an_explicit_n(world: Any, petra: Any) -> None:
    plan = create_plan(petra, world.province, 2026, 1)
    commit_plan(plan, petra)
    with pytest.raises(CeremonyError, match="give the number to draw"):
        freeze_plan(plan, petra, on=FREEZE_DAY)
    freeze_plan(plan, petra, on=FREEZE_DAY, n=4)
    assert plan.counted_facilities == 40 and plan.annual_quota is None  # both cities


def test_city_users_see_their_citys_tasks_including_cross_city_ones(
    world: Any, alice: Any, bob: Any, petra: Any
) -> None:
    plan = assigned(alice, world.lanzhou)
    facility = world.facilities["lanzhou"][0]
    cross = create_adhoc_task(
        petra, [alarm(facility, "exceedance", "new", facility.created)], "cross_city"
    )
    lanzhou_tasks = set(plan.tasks.all()) | {cross}
    assert set(Task.objects.visible_to(alice)) == lanzhou_tasks
    assert not Task.objects.visible_to(bob).exists()
    assert set(Task.objects.visible_to(petra)) == lanzhou_tasks


def test_officers_see_only_the_tasks_they_are_on(world: Any, alice: Any) -> None:
    plan = assigned(alice, world.lanzhou)
    task = plan.tasks.first()
    member = task.members.filter(role="officers").first().personnel
    on_team = make_user("otto", Role.OFFICER, world.lanzhou)
    PersonnelLogin.objects.create(user=on_team, personnel=member)
    expected = set(Task.objects.filter(members__personnel=member))
    assert task in expected and set(Task.objects.visible_to(on_team)) == expected
    idle = make_person("officer", world.lanzhou)  # drawn for nothing
    stranger = make_user("olga", Role.OFFICER, world.lanzhou)
    PersonnelLogin.objects.create(user=stranger, personnel=idle)
    assert not Task.objects.visible_to(stranger).exists()
    unlinked = make_user("omar", Role.OFFICER, world.lanzhou)
    assert not Task.objects.visible_to(unlinked).exists()
    # The plan names every facility drawn: officers and monitors see their tasks, not plans.
    monitor = make_user("mona", Role.MONITOR, world.lanzhou)
    for user in (on_team, stranger, monitor):
        assert not QuarterlyPlan.objects.visible_to(user).exists()
    assert QuarterlyPlan.objects.visible_to(alice).filter(pk=plan.pk).exists()


def test_an_agency_sees_its_task_only_from_the_first_day_of_the_visit(
    world: Any, alice: Any
) -> None:
    plan = assigned(alice, world.lanzhou, way="enforcement_with_agency")
    task = plan.tasks.first()
    agency = task.members.get(role="agencies").agency
    user = make_user("agnes", Role.AGENCY_USER, agency=agency)
    other = next(a for a in world.agencies.values() if a != agency)
    outsider = make_user("arno", Role.AGENCY_USER, agency=other)
    assert str(task.visit_from) == "2026-01-06"
    before = datetime(2026, 1, 5, 15, 59, tzinfo=UTC)  # 23:59 Beijing, the day before
    at_visit = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)  # 00:00 Beijing on 2026-01-06
    assert not Task.objects.visible_to(user, now=before).exists()
    assert task in Task.objects.visible_to(user, now=at_visit)
    assert not Task.objects.visible_to(outsider, now=at_visit).filter(pk=task.pk).exists()
    assert not QuarterlyPlan.objects.visible_to(user).exists()  # the plan names every draw


def test_a_city_cannot_task_another_citys_alarm(world: Any, alice: Any) -> None:
    facility = world.facilities["tianshui"][0]
    found = alarm(facility, "exceedance", "new", facility.created)
    with pytest.raises(CeremonyError, match="not found"):
        create_adhoc_task(alice, [found], "joint")


def test_rows_of_plans_and_tasks_follow_their_plan_or_task(
    world: Any, alice: Any, bob: Any, petra: Any
) -> None:
    from ceguan.targeting.models import PlanItem, PopulationUnit, RiskScoreRecord, TaskMember
    from ceguan.targeting.reading import explained, plan_for, ranking

    plan = assigned(alice, world.lanzhou)
    for model in (PopulationUnit, PlanItem, TaskMember, RiskScoreRecord):
        assert model.objects.visible_to(alice).exists(), model
        assert not model.objects.visible_to(bob).exists(), model
        assert model.objects.visible_to(petra).count() == model.objects.count(), model
    assert not PopulationUnit.objects.editable_by(bob).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        plan_for(bob, plan.pk)
    top = ranking(alice, plan_for(alice, plan.pk)).first()
    lines = explained(top.factors, plan.rulebook_versions)
    assert [line.name for line in lines][:2] == ["focus_industry", "no_third_party_operation"]
    focus = lines[0]
    assert focus.label_zh == "重点行业" and focus.clause == "甘环办发〔2018〕25号 三（一）"
    assert focus.contribution == pytest.approx(0.15)  # thermal power is a focus industry
    assert top.score == pytest.approx(top.factors["base"] + sum(x.contribution for x in lines))
