"""Officer assignment on a real database: teams, recusal, cross-city, overrides, shortages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ceguan.core.models import AuditEntry
from ceguan.registry.models import Operator, Personnel
from ceguan.targeting.assignment import (
    assign_plan,
    assign_task,
    override_member,
    verify_assignment_record,
)
from ceguan.targeting.ceremony import (
    CeremonyError,
    commit_plan,
    create_plan,
    draw_plan,
    freeze_plan,
)
from ceguan.targeting.choices import ItemSource, MemberSource, PlanState, TaskState
from ceguan.targeting.models import DeclaredConflict, PlanItem, Task, TaskMember
from ceguan.targeting.tasks import complete_task, create_adhoc_task
from tests.targeting.conftest import FREEZE_DAY
from tests.targeting.test_facts import alarm

pytestmark = pytest.mark.django_db


def drawn(user: Any, city: Any, n: int = 6, way: str = "joint") -> Any:
    plan = create_plan(user, city, 2026, 1, way)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=FREEZE_DAY, n=n)
    return draw_plan(plan, user)


def keys(task: Task, role: str | None = None) -> set[int]:
    members = task.members.all() if role is None else task.members.filter(role=role)
    return {m.personnel_id or m.agency_id for m in members}


def test_every_drawn_task_gets_two_officers_and_a_monitor_of_its_city(
    world: Any, alice: Any
) -> None:
    plan = assign_plan(drawn(alice, world.lanzhou), alice)
    assert plan.state == PlanState.ASSIGNED
    officers = {p.pk for p in world.officers["lanzhou"]}
    monitors = {p.pk for p in world.monitors["lanzhou"]}
    for task in plan.tasks.all():
        assert task.state == TaskState.ASSIGNED
        assert len(keys(task, "officers")) == 2 and keys(task, "officers") <= officers
        assert len(keys(task, "monitors")) == 1 and keys(task, "monitors") <= monitors
    # 6 tasks × 2 officer slots over 4 officers: balanced, 3 each
    served = [TaskMember.objects.filter(personnel=p).count() for p in world.officers["lanzhou"]]
    assert served == [3, 3, 3, 3]
    assert verify_assignment_record(plan.assignment_record) == []
    entry = AuditEntry.objects.filter(model="targeting.QuarterlyPlan").last()
    assert entry.summary.endswith("assign") and entry.changes["state"] == ["drawn", "assigned"]


def test_a_changed_recorded_team_fails_verification(world: Any, alice: Any) -> None:
    plan = assign_plan(drawn(alice, world.lanzhou), alice)
    record = plan.assignment_record
    reference = sorted(record["teams"])[0]
    team = record["teams"][reference]
    on_team = {key for _, key in team}
    others = [f"p{p.pk}" for p in world.officers["lanzhou"] if f"p{p.pk}" not in on_team]
    team[0] = ["officers", others[0]]
    assert verify_assignment_record(record)[0].startswith(f"task {reference}")


def test_declared_conflicts_are_recused(world: Any, alice: Any) -> None:
    conflicted = world.officers["lanzhou"][:2]
    for facility in world.facilities["lanzhou"]:
        for person in conflicted:
            DeclaredConflict.objects.create(
                personnel=person, enterprise=facility.outlet.enterprise, reason="亲属",
                declared_on=date(2025, 12, 1),
            )  # fmt: skip
    plan = assign_plan(drawn(alice, world.lanzhou, n=2), alice)
    free = {p.pk for p in world.officers["lanzhou"][2:]}
    for task in plan.tasks.all():
        assert keys(task, "officers") == free


def test_the_last_visits_officers_are_recused(world: Any, alice: Any, petra: Any) -> None:
    plan = assign_plan(drawn(alice, world.lanzhou, n=1), alice)
    first = plan.tasks.get()
    complete_task(first, date(2026, 1, 20), alice)
    facility = first.items.get().facility
    second = create_adhoc_task(
        petra, [alarm(facility, "exceedance", "confirmed", first.created)], "joint"
    )
    assign_task(second, petra)
    assert keys(second, "officers").isdisjoint(keys(first, "officers"))
    assert keys(second, "monitors").isdisjoint(keys(first, "monitors"))


def test_an_agency_whose_company_operates_the_enterprise_is_recused(
    world: Any, alice: Any, petra: Any
) -> None:
    agency = world.agencies["lanzhou"]
    operator = Operator.objects.create(
        name=agency.name, credit_code=agency.credit_code, entered_province_year=2015
    )
    facility = world.facilities["lanzhou"][3]
    facility.operation_mode, facility.operator = "third_party", operator
    facility.contract_start, facility.contract_end = date(2025, 1, 1), date(2027, 1, 1)
    facility.save()
    found = alarm(facility, "exceedance", "new", facility.created)
    task = create_adhoc_task(petra, [found], "enforcement_with_agency")
    assign_task(task, petra)
    assert keys(task, "agencies") == {world.agencies["tianshui"].pk}
    assert len(keys(task, "officers")) == 2 and not keys(task, "monitors")


def test_a_cross_city_team_comes_only_from_other_cities(world: Any, petra: Any) -> None:
    facility = world.facilities["lanzhou"][5]
    task = create_adhoc_task(
        petra, [alarm(facility, "anomaly", "acknowledged", facility.created)], "cross_city"
    )
    assert task.cross_city and task.plan.region == world.province
    assign_task(task, petra)
    cities = set(Personnel.objects.filter(pk__in=keys(task)).values_list("city__code", flat=True))
    assert cities and "620100" not in cities
    assert task.assignment_record["tasks"][0]["cross_city"] is True


def test_an_override_needs_a_reason_is_checked_and_is_audited(world: Any, alice: Any) -> None:
    plan = assign_plan(drawn(alice, world.lanzhou, n=1), alice)
    task = plan.tasks.get()
    member = task.members.filter(role="officers").first()
    spare = next(p for p in world.officers["lanzhou"] if p.pk not in keys(task))
    with pytest.raises(CeremonyError, match="reason"):
        override_member(member, spare, "  ", alice)
    with pytest.raises(CeremonyError, match="another city"):
        override_member(member, world.officers["tianshui"][0], "就近", alice)
    with pytest.raises(CeremonyError, match="a monitor cannot fill a officers slot"):
        monitor = next(p for p in world.monitors["lanzhou"] if p.pk not in keys(task))
        override_member(member, monitor, "就近", alice)
    before = member.member_key
    changed = override_member(member, spare, "原选派人员病假", alice)
    assert changed.personnel == spare and changed.source == MemberSource.OVERRIDE
    assert changed.override_reason == "原选派人员病假" and changed.replaced == before
    entry = AuditEntry.objects.filter(model="targeting.Task", object_id=str(task.pk)).last()
    assert entry.actor == "alice" and entry.changes["member"] == [before, f"p{spare.pk}"]
    assert entry.changes["reason"] == [None, "原选派人员病假"]


def test_a_pool_too_small_is_a_clear_error_and_changes_nothing(world: Any, alice: Any) -> None:
    plan = drawn(alice, world.lanzhou, n=1)
    Personnel.objects.filter(pk__in=[p.pk for p in world.officers["lanzhou"][1:]]).update(
        active=False
    )
    task = plan.tasks.get()
    with pytest.raises(CeremonyError, match=rf"task {task.reference}: needs 2 officers, only 1"):
        assign_plan(plan, alice)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and not TaskMember.objects.exists()


def test_an_expired_certificate_keeps_an_officer_off_the_team(world: Any, alice: Any) -> None:
    expired = world.officers["lanzhou"][:2]
    Personnel.objects.filter(pk__in=[p.pk for p in expired]).update(
        certificate_valid_until=date(2026, 2, 28)  # before the window's end, 2026-03-31
    )
    plan = assign_plan(drawn(alice, world.lanzhou, n=3), alice)
    for task in plan.tasks.all():
        assert keys(task, "officers") == {p.pk for p in world.officers["lanzhou"][2:]}


def test_adhoc_items_link_their_alarms_and_count_for_no_city(world: Any, petra: Any) -> None:
    facility = world.facilities["lanzhou"][7]
    found = [alarm(facility, "exceedance", "new", facility.created) for _ in range(2)]
    task = create_adhoc_task(petra, found, "joint", note="省厅临时")
    item = PlanItem.objects.get(task=task)
    assert item.source == ItemSource.ADHOC and set(item.alarms.all()) == set(found)
    for a in found:
        a.refresh_from_db()
        assert a.status == "tasked" and a.task_ref == task.reference
    assert task.reference == "620000-2026Q1-A001" and task.plan.state == PlanState.DRAFT


def test_drawn_and_adhoc_tasks_are_numbered_apart(world: Any, petra: Any) -> None:
    facility = world.facilities["lanzhou"][9]
    create_adhoc_task(petra, [alarm(facility, "exceedance", "new", facility.created)], "joint")
    plan = create_plan(petra, world.province, 2026, 2)
    assert plan.tasks.count() == 0
    province = Task.objects.get().plan
    commit_plan(province, petra)
    freeze_plan(province, petra, on=FREEZE_DAY, n=2)
    draw_plan(province, petra)
    references = sorted(province.tasks.values_list("reference", flat=True))
    assert references == ["620000-2026Q1-001", "620000-2026Q1-002", "620000-2026Q1-A001"]
    assert not province.population.filter(facility=facility, excluded_reason="").exists()
