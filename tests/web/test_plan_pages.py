# ruff: noqa: F811  (the fixtures imported from tests/targeting/conftest.py are arguments)
"""Plan pages (issue 5 §8): the plan list with quota progress, the ceremony page, the bundle,
a facility's risk history; jurisdiction (404 / 403) and the secret's secrecy before the draw.

The province (``world``, tests/targeting/conftest.py): Lanzhou has 30 networked facilities, so
its yearly quota is ceil(0.10 × 30) = 3 and its Q1 target ceil(3 × 1/4) = 1.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ceguan.core.choices import Role
from ceguan.targeting.ceremony import commit_plan, create_plan, draw_plan, freeze_plan
from ceguan.targeting.models import PlanSecret, QuarterlyPlan
from ceguan.web.views import plan_detail
from tests.conftest import make_user
from tests.targeting.conftest import FREEZE_DAY, clock, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def step(client: Any, plan: QuarterlyPlan, name: str, **data: Any) -> Any:
    return client.post(f"/plans/{plan.pk}/", {"step": name, **data}, follow=True)


def test_the_list_shows_own_plans_the_years_progress_and_a_form(
    client: Any, world: Any, alice: Any, bob: Any
) -> None:
    mine = create_plan(alice, world.lanzhou, 2026, 1)
    theirs = create_plan(bob, world.tianshui, 2026, 1)
    client.force_login(alice)
    response = client.get("/plans/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"/plans/{mine.pk}/" in page and f"/plans/{theirs.pk}/" not in page
    assert ">季度计划</a>" in page  # the navigation entry
    (row,) = response.context["progress_rows"]
    assert row["region"] == world.lanzhou and row["progress"].provisional
    assert row["annual"] == 3  # ceil(0.10 × 30)
    assert row["now"].cumulative_due == 1 and row["now"].shortfall == 1  # Q1: nothing drawn yet
    assert 'id="progress-chart"' in page and 'id="progress-data"' in page
    chart = response.context["chart"]["regions"][0]
    assert chart["due"] == [1, 1, 1, 0]  # cumulative ceil(3q/4) = 1, 2, 3, 3
    form = response.context["form"]
    assert [label for _, label in form.fields["region"].choices] == ["兰州市"]
    ways = [value for value, _ in form.fields["way_of_working"].choices]
    assert "cross_city" not in ways and "agency_first" not in ways and "joint" in ways


def test_a_city_editor_creates_a_plan_only_for_its_own_city(
    client: Any, world: Any, alice: Any
) -> None:
    client.force_login(alice)
    data = {"year": 2026, "quarter": 2, "way_of_working": "joint"}
    refused = client.post("/plans/", {**data, "region": world.tianshui.pk})
    assert refused.status_code == 400 and "region" in refused.context["form"].errors
    crossed = client.post("/plans/", {**data, "region": world.lanzhou.pk, "way_of_working":
                                      "cross_city"})  # fmt: skip
    assert crossed.status_code == 400 and "way_of_working" in crossed.context["form"].errors
    assert not QuarterlyPlan.objects.exists()
    created = client.post("/plans/", {**data, "region": world.lanzhou.pk})
    plan = QuarterlyPlan.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/plans/{plan.pk}/"
    assert (plan.region, plan.year, plan.quarter, plan.created_by) == (
        world.lanzhou, 2026, 2, alice)  # fmt: skip
    again = client.post("/plans/", {**data, "region": world.lanzhou.pk})
    assert again.status_code == 400 and "already has a plan" in again.content.decode()


def test_the_province_creates_its_own_plan_with_a_provincial_way(
    client: Any, world: Any, petra: Any
) -> None:
    client.force_login(petra)
    form = client.get("/plans/").context["form"]
    assert world.province.pk in [pk for pk, _ in form.fields["region"].choices]
    response = client.post("/plans/", {"region": world.province.pk, "year": 2026, "quarter": 1,
                                       "way_of_working": "cross_city"})  # fmt: skip
    assert response.status_code == 302
    plan = QuarterlyPlan.objects.get()
    assert plan.is_province and plan.way_of_working == "cross_city"
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert 'data-step="commit"' in page


def test_read_only_roles_and_outsiders_cannot_run_or_create(
    client: Any, world: Any, alice: Any, bob: Any, audrey: Any, officer: Any
) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    client.force_login(bob)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/plans/{plan.pk}/", {"step": "commit"}).status_code == 404
    assert client.get(f"/plans/{plan.pk}/bundle.json").status_code == 404
    new_plan = {"region": world.lanzhou.pk, "year": 2026, "quarter": 2, "way_of_working": "joint"}
    client.force_login(audrey)  # reads every plan, runs none
    page = client.get(f"/plans/{plan.pk}/")
    assert page.status_code == 200 and 'id="step-form"' not in page.content.decode()
    assert client.post(f"/plans/{plan.pk}/", {"step": "commit"}).status_code == 403
    assert client.post("/plans/", new_plan).status_code == 403
    client.force_login(officer)  # officers see their tasks, not the plan that names every draw
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.post(f"/plans/{plan.pk}/", {"step": "commit"}).status_code == 404
    assert client.post("/plans/", new_plan).status_code == 403
    assert ">季度计划</a>" not in client.get("/tasks/").content.decode()
    plan.refresh_from_db()
    assert plan.state == "draft" and QuarterlyPlan.objects.count() == 1


def test_a_step_out_of_order_is_a_message_and_changes_nothing(
    client: Any, world: Any, alice: Any
) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    client.force_login(alice)
    response = client.post(f"/plans/{plan.pk}/", {"step": "draw"})
    assert response.status_code == 400
    assert "&#x27;draw&#x27; needs &#x27;frozen&#x27;" in response.content.decode()
    plan.refresh_from_db()
    assert plan.state == "draft" and plan.commitment == ""


def test_the_ceremony_runs_on_the_page_and_the_secret_stays_sealed_until_the_draw(
    client: Any, world: Any, alice: Any
) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    client.force_login(alice)
    page = step(client, plan, "commit").content.decode()
    plan.refresh_from_db()
    secret = PlanSecret.objects.get(plan=plan).secret_hex
    assert plan.state == "committed" and plan.commitment in page
    assert 'id="commitment-value"' in page and "/verify/" in page
    assert 'data-step="freeze"' in page
    assert secret not in page

    page = step(client, plan, "freeze").content.decode()
    plan.refresh_from_db()
    assert plan.state == "frozen" and plan.population_hash in page
    figures = {code: value for _, value, code in plan_detail.figures(plan)}
    assert (figures["counted_facilities"], figures["annual_quota"], figures["quarter_target"],
            figures["n_to_draw"], figures["eligible_count"]) == (30, 3, 1, 1, 30)  # fmt: skip
    assert figures["floor"] == 0.02 and figures["rulebook_floor"] == 0.02
    assert 'data-figure="annual_quota">3<' in page
    assert page.count("<tr data-facility=") == 30  # the whole ranking fits on one page
    assert "重点行业" in page and "甘环办发〔2018〕25号 三（一）" in page  # factor explained
    for url in (f"/plans/{plan.pk}/", "/plans/", "/verify/", "/tasks/",
                f"/facilities/{world.facilities['lanzhou'][0].pk}/risk/"):  # fmt: skip
        assert secret not in client.get(url).content.decode(), url
    assert client.get(f"/plans/{plan.pk}/bundle.json").status_code == 404

    page = step(client, plan, "draw").content.decode()
    plan.refresh_from_db()
    assert plan.state == "drawn" and plan.revealed_secret == secret
    assert f'id="revealed-secret">{secret}<' in page and plan.seed in page
    assert 'id="plan-verdict" data-match="true"' in page
    (item,) = plan.items.all()
    assert f'<tr data-facility="{item.facility_id}">' in page
    bundle = client.get(f"/plans/{plan.pk}/bundle.json")
    assert bundle["Content-Disposition"].startswith("attachment;")
    assert json.loads(bundle.content)["secret"] == secret
    assert bundle.content.decode() == plan.bundle

    page = step(client, plan, "assign").content.decode()
    plan.refresh_from_db()
    assert plan.state == "assigned" and 'id="step-form"' not in page
    task = plan.tasks.get()
    assert sorted(task.members.values_list("role", flat=True)) == [
        "monitors",
        "officers",
        "officers",
    ]  # fmt: skip  (joint: 2 officers + 1 monitor)
    for member in task.members.all():
        assert str(member.personnel) in page
    steps = {s["state"]: s for s in client.get(f"/plans/{plan.pk}/").context["steps"]}
    assert all(s["done"] and s["by"] == alice for s in steps.values())


def test_the_number_to_draw_may_be_raised_but_not_lowered(
    client: Any, world: Any, alice: Any
) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    client.force_login(alice)
    low = client.post(f"/plans/{plan.pk}/", {"step": "freeze", "n": "0"})
    assert low.status_code == 400 and "below this quarter" in low.content.decode()
    bad = client.post(f"/plans/{plan.pk}/", {"step": "freeze", "n": "two"})
    assert bad.status_code == 400
    plan.refresh_from_db()
    assert plan.state == "committed"
    step(client, plan, "freeze", n="4")
    plan.refresh_from_db()
    assert plan.n_to_draw == 4


def test_the_ranking_is_paginated(client: Any, world: Any, alice: Any, monkeypatch: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY)
    monkeypatch.setattr(plan_detail, "RANKING_PER_PAGE", 12)
    client.force_login(alice)
    pages = [client.get(f"/plans/{plan.pk}/?page={n}").content.decode() for n in (1, 2, 3)]
    assert [p.count("<tr data-facility=") for p in pages] == [12, 12, 6]  # 30 units
    assert "第 3 / 3 页" in pages[2]


def test_the_progress_counts_the_draw(client: Any, world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY, n=2)
    draw_plan(plan, alice)
    client.force_login(alice)
    response = client.get("/plans/?year=2026")
    (row,) = response.context["progress_rows"]
    assert not row["progress"].provisional and row["annual"] == 3
    chart = response.context["chart"]["regions"][0]
    assert chart["drawn"] == [2, 0, 0, 0] and chart["visited"] == [0, 0, 0, 0]
    # Cumulative due 1, 2, 3, 3 against 2 done: shortfall 0, 0, 1, 1.
    assert chart["shortfall"] == [0, 0, 1, 1]


def test_a_facilitys_risk_history_is_scoped(client: Any, world: Any, alice: Any, bob: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY)
    facility = world.facilities["lanzhou"][0]
    unit = plan.population.get(facility=facility)
    client.force_login(alice)
    response = client.get(f"/facilities/{facility.pk}/risk/")
    assert response.status_code == 200
    assert response.context["chart"]["scores"] == [round(unit.score, 4)]
    assert response.context["chart"]["days"] == ["2026-01-05"]
    assert f"/plans/{plan.pk}/" in response.content.decode()
    assert f"/facilities/{facility.pk}/risk/" in client.get(f"/plans/{plan.pk}/").content.decode()
    client.force_login(bob)
    assert client.get(f"/facilities/{facility.pk}/risk/").status_code == 404
    agency_user = make_user("agnes", Role.AGENCY_USER, agency=world.agencies["lanzhou"])
    client.force_login(agency_user)
    assert client.get(f"/facilities/{facility.pk}/risk/").status_code == 404
