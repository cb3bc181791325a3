# ruff: noqa: F811  (the fixture imported from tests/targeting/conftest.py is an argument)
"""A quarter in the browser (issue 5 "Done means"): a city editor creates the plan, commits
(the commitment is public on /verify/ before the freeze), freezes, draws, assigns officers, opens
the task, downloads the bundle and verifies it on the public page: a match.

Runs on the real clock (a travelled clock would make Chromium drop the session cookie as
expired), so the plan is for the current quarter; the world's certificates run to 2030.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ceguan.targeting.models import QuarterlyPlan, beijing_today
from ceguan.targeting.quota import quarter_of
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.targeting.conftest import world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_step(page: Any, step: str, state: str) -> None:
    page.locator(f"#step-form[data-step='{step}'] #step-button").click()
    page.locator(f"#plan-state[data-state='{state}']").wait_for()


def test_a_city_runs_a_quarter_and_anyone_verifies_the_draw(
    page: Any, world: Any, alice: Any, tmp_path: Path
) -> None:
    today = beijing_today()
    log_in(page, "alice", PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="季度计划", exact=True).click()
    page.wait_for_url("**/plans/")
    page.wait_for_function("document.getElementById('progress-chart').dataset.rendered === 'true'")
    assert page.locator("#progress-table tr[data-region='620100']").count() == 1

    # The form defaults to this year and quarter; Lanzhou is the only region alice may choose.
    assert page.locator("#id_region option").all_inner_texts() == ["兰州市"]
    page.select_option("#id_way_of_working", "joint")
    page.get_by_role("button", name="创建草稿").click()
    page.locator("#plan-state[data-state='draft']").wait_for()
    plan = QuarterlyPlan.objects.get()
    assert (plan.year, plan.quarter) == (today.year, quarter_of(today))

    run_step(page, "commit", "committed")
    plan.refresh_from_db()
    assert page.locator("#commitment-value").inner_text() == plan.commitment
    assert page.locator("#step-list li[data-step='committed'].done").count() == 1

    # Public before the freeze: the verify page lists the commitment, without logging in.
    public = page.context.browser.new_page()  # another visitor: no session, own language
    public.goto(f"{page.base}/verify/")
    assert (
        plan.commitment
        in public.locator(f"#published-plans tr[data-plan='{plan.pk}']").inner_text()
    )

    run_step(page, "freeze", "frozen")
    plan.refresh_from_db()
    assert page.locator("#population-hash").inner_text() == plan.population_hash
    assert page.locator("[data-figure='counted_facilities']").inner_text() == "30"
    assert page.locator("#ranking-table > tbody > tr").count() == 30
    first = page.locator("#ranking-table details.factors").first
    first.locator("summary").click()
    assert first.locator("tr[data-factor='focus_industry']").is_visible()

    run_step(page, "draw", "drawn")
    plan.refresh_from_db()
    assert page.locator("#revealed-secret").inner_text() == plan.revealed_secret
    assert page.locator("#plan-verdict").get_attribute("data-match") == "true"
    drawn = page.locator("#drawn-table tbody tr").count()
    assert drawn == plan.n_to_draw >= 1

    run_step(page, "assign", "assigned")
    assert page.locator("#step-form").count() == 0
    task_link = page.locator("#task-table tbody tr a").first
    reference = task_link.inner_text()
    task_link.click()
    page.wait_for_url("**/tasks/*/")
    assert reference in page.locator("h1").inner_text()
    assert page.locator("#member-table tbody tr").count() == 3  # joint: 2 officers, 1 monitor
    assert page.locator("#assignment-check").get_attribute("data-match") == "true"
    assert page.locator("#unannounced").is_visible()

    # Download the bundle from the plan page and verify it on the public page.
    page.go_back()
    with page.expect_download() as download:
        page.locator("#bundle-link").click()
    saved = tmp_path / "bundle.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["commitment"] == plan.commitment
    public.goto(f"{page.base}/verify/")
    public.set_input_files("#bundle-file", str(saved))
    public.fill("#commitment", plan.commitment)
    public.locator("#verify-form button[type=submit]").click()
    public.locator("#verdict").wait_for()
    assert public.locator("#verdict").get_attribute("data-match") == "true"
    assert str(plan.year) in public.locator("#verified-plan").inner_text()
    public.close()
