# ruff: noqa: F811  (the fixtures imported from tests/targeting/conftest.py are arguments)
"""Task pages (issue 5 §4, §6, §7): the task list ("my tasks"), a task with its team and the
assignment's re-run, overrides, done and cancel, and an alarm turned into a task.

Lanzhou (``world``) has 4 officers and 2 monitors; a joint task takes 2 officers and 1 monitor,
so 2 Lanzhou officers and 1 Lanzhou monitor are left to replace a member with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ceguan.core.choices import Role
from ceguan.core.models import AuditEntry
from ceguan.screening.models import Alarm
from ceguan.targeting.assignment import assign_plan
from ceguan.targeting.ceremony import commit_plan, create_plan, draw_plan, freeze_plan
from ceguan.targeting.models import PersonnelLogin, QuarterlyPlan, Task
from tests.conftest import make_user
from tests.targeting.conftest import FREEZE_DAY, clock, world  # noqa: F401  (fixtures)
from tests.targeting.test_facts import alarm

pytestmark = pytest.mark.django_db


def assigned(user: Any, city: Any, way: str = "joint", n: int = 1) -> QuarterlyPlan:
    plan = create_plan(user, city, 2026, 1, way)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=FREEZE_DAY, n=n)
    draw_plan(plan, user)
    return assign_plan(plan, user)


def test_staff_see_their_citys_tasks_and_officers_only_their_own(
    client: Any, world: Any, alice: Any, bob: Any
) -> None:
    plan = assigned(alice, world.lanzhou, n=3)
    tasks = list(plan.tasks.order_by("reference"))
    client.force_login(alice)
    page = client.get("/tasks/").content.decode()
    assert all(f"/tasks/{t.pk}/" in page for t in tasks)
    client.force_login(bob)
    assert not client.get("/tasks/").context["page"].object_list
    assert client.get(f"/tasks/{tasks[0].pk}/").status_code == 404
    # An officer on the first task's team sees "my tasks": exactly the tasks they are on.
    person = tasks[0].members.filter(role="officers").first().personnel
    otto = make_user("otto", Role.OFFICER, world.lanzhou)
    PersonnelLogin.objects.create(user=otto, personnel=person)
    client.force_login(otto)
    response = client.get("/tasks/")
    page = response.content.decode()
    assert response.context["mine"] and ">我的任务</a>" in page
    mine = set(Task.objects.filter(members__personnel=person))
    assert {t.pk for t in response.context["page"].object_list} == {t.pk for t in mine}
    for task in tasks:
        expected = 200 if task in mine else 404
        assert client.get(f"/tasks/{task.pk}/").status_code == expected
    assert (
        client.post(f"/tasks/{tasks[0].pk}/", {"action": "cancel", "reason": "x"}).status_code
        == 403
    )


def test_the_task_page_shows_the_window_team_and_the_assignment_re_run(
    client: Any, world: Any, alice: Any, audrey: Any
) -> None:
    task = assigned(alice, world.lanzhou).tasks.get()
    client.force_login(alice)
    response = client.get(f"/tasks/{task.pk}/")
    page = response.content.decode()
    assert task.enterprise.name in page and "2026-01-06 – 2026-03-31" in page
    assert 'id="unannounced"' in page and "不事先通知" in page
    for member in task.members.all():
        assert str(member.personnel) in page
    assert response.context["check"]["problems"] == []
    assert 'id="assignment-check" data-match="true"' in page
    assert 'data-action="override"' in page and 'data-action="complete"' in page
    client.force_login(audrey)  # the auditor reads, never acts
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-action="cancel"' not in page
    assert client.post(f"/tasks/{task.pk}/", {"action": "cancel", "reason": "x"}).status_code == 403
    task.refresh_from_db()
    assert task.state == "assigned"


def test_an_override_needs_an_eligible_replacement_and_a_reason(
    client: Any, world: Any, alice: Any
) -> None:
    task = assigned(alice, world.lanzhou).tasks.get()
    member = task.members.filter(role="officers").first()
    on_team = {m.personnel_id for m in task.members.all()}
    free = {p.pk for p in world.officers["lanzhou"]} - on_team
    assert len(free) == 2
    client.force_login(alice)
    choices = client.get(f"/tasks/{task.pk}/").context["replacements"][member.pk]
    assert {key for key, _ in choices} == {f"p{pk}" for pk in free}
    replacement = min(free)
    url = f"/tasks/{task.pk}/"
    data = {"action": "override", "member": member.pk, "replacement": f"p{replacement}"}
    no_reason = client.post(url, {**data, "reason": " "})
    assert no_reason.status_code == 400 and "needs a recorded reason" in no_reason.content.decode()
    other_city = world.officers["tianshui"][0]
    refused = client.post(url, {**data, "replacement": f"p{other_city.pk}", "reason": "病假"})
    assert refused.status_code == 400 and "another city" in refused.content.decode()
    done = client.post(url, {**data, "reason": "原检查人员病假"}, follow=True)
    member.refresh_from_db()
    assert member.personnel_id == replacement and member.source == "override"
    assert member.override_reason == "原检查人员病假"
    page = done.content.decode()
    assert "原检查人员病假" in page and 'data-source="override"' in page
    entry = AuditEntry.objects.filter(model="targeting.Task", summary__endswith="override").get()
    assert entry.changes["reason"] == [None, "原检查人员病假"]


def test_a_task_is_marked_done_or_cancelled_with_a_reason(
    client: Any, world: Any, alice: Any
) -> None:
    first, second = assigned(alice, world.lanzhou, n=2).tasks.order_by("reference")
    client.force_login(alice)
    bad = client.post(f"/tasks/{first.pk}/", {"action": "complete", "visited_on": "next week"})
    assert bad.status_code == 400
    client.post(f"/tasks/{first.pk}/", {"action": "complete", "visited_on": "2026-02-03"})
    first.refresh_from_db()
    assert first.state == "done" and first.visited_on.isoformat() == "2026-02-03"
    no_reason = client.post(f"/tasks/{second.pk}/", {"action": "cancel", "reason": ""})
    assert no_reason.status_code == 400
    client.post(f"/tasks/{second.pk}/", {"action": "cancel", "reason": "企业已停产"})
    second.refresh_from_db()
    assert second.state == "cancelled" and "企业已停产" in second.note
    cancelled = client.get("/tasks/?state=cancelled").context["page"].object_list
    assert [t.pk for t in cancelled] == [second.pk]


def test_an_agency_sees_its_task_only_from_the_first_day_of_the_visit(
    client: Any, world: Any, alice: Any, clock: Any
) -> None:
    task = assigned(alice, world.lanzhou, way="enforcement_with_agency").tasks.get()
    agency = task.members.get(role="agencies").agency
    agnes = make_user("agnes", Role.AGENCY_USER, agency=agency)
    client.force_login(agnes)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404  # 2026-01-05: not yet
    assert ">我的任务</a>" in client.get("/tasks/").content.decode()
    clock.move_to(datetime(2026, 1, 5, 16, 0, tzinfo=UTC))  # 2026-01-06 00:00 Beijing
    client.force_login(agnes)  # sessions last 8 hours
    assert client.get(f"/tasks/{task.pk}/").status_code == 200
    assert client.post(f"/tasks/{task.pk}/", {"action": "cancel", "reason": "x"}).status_code == 403


def test_a_province_editor_turns_alarms_into_an_ad_hoc_task(
    client: Any, world: Any, alice: Any, petra: Any, audrey: Any
) -> None:
    facility = world.facilities["lanzhou"][0]
    start = datetime(2026, 1, 3, 2, 0, tzinfo=UTC)
    first = alarm(facility, "exceedance", "new", start)
    second = alarm(facility, "anomaly", "acknowledged", start)
    client.force_login(alice)  # a city user: no form, and a POST is refused
    assert 'id="tasking-form"' not in client.get(f"/alarms/{first.pk}/").content.decode()
    assert client.post(f"/alarms/{first.pk}/task/", {"way_of_working": "joint"}).status_code == 403
    client.force_login(audrey)
    assert client.post(f"/alarms/{first.pk}/task/", {"way_of_working": "joint"}).status_code == 403
    client.force_login(petra)
    response = client.get(f"/alarms/{first.pk}/")
    assert 'id="tasking-form"' in response.content.decode()
    assert [a.pk for a in response.context["tasking"]["others"]] == [second.pk]
    refused = client.post(f"/alarms/{first.pk}/task/", {"way_of_working": "by_bicycle"},
                          follow=True)  # fmt: skip
    assert "unknown way of working" in refused.content.decode()
    assert not Task.objects.exists()
    data = {"way_of_working": "joint", "alarms": [second.pk], "note": "超标核查"}
    made = client.post(f"/alarms/{first.pk}/task/", data)
    task = Task.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/tasks/{task.pk}/"
    assert task.plan.region == world.province and task.source == "adhoc"
    assert task.reference == "620000-2026Q1-A001" and task.note == "超标核查"
    assert set(Alarm.objects.values_list("status", flat=True)) == {"tasked"}
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f"/alarms/{first.pk}/" in page and f"/alarms/{second.pk}/" in page
    assert 'data-action="assign"' in page
    client.post(f"/tasks/{task.pk}/", {"action": "assign"})
    task.refresh_from_db()
    assert task.state == "assigned" and task.members.count() == 3
    response = client.get(f"/tasks/{task.pk}/")
    assert response.context["check"]["problems"] == [] and response.context["check"]["own"]
    assert 'id="tasking-form"' not in client.get(f"/alarms/{first.pk}/").content.decode()
