"""The draw ceremony on a real database: commit → freeze → draw → verify, order, secrecy, audit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ceguan.core.models import AuditEntry
from ceguan.targeting.bundle import Bundle, make_bundle
from ceguan.targeting.ceremony import (
    CeremonyError,
    commit_plan,
    create_plan,
    draw_plan,
    freeze_plan,
)
from ceguan.targeting.choices import PlanState, TaskState
from ceguan.targeting.draw import commitment, population_hash
from ceguan.targeting.models import PlanItem, PlanSecret, PopulationUnit, QuarterlyPlan, Task
from ceguan.targeting.verification import (
    bundle_public_from,
    published_bundle,
    verify_bundle_text,
    verify_plan,
)
from tests.targeting.conftest import FREEZE_DAY

pytestmark = pytest.mark.django_db


def run_to_drawn(user: Any, city: Any, **freeze: Any) -> QuarterlyPlan:
    plan = create_plan(user, city, 2026, 1)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=freeze.pop("on", FREEZE_DAY), **freeze)
    return draw_plan(plan, user)


def test_a_full_ceremony_draws_the_quota_and_creates_tasks(world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    assert plan.state == PlanState.DRAFT
    commit_plan(plan, alice)
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED and len(plan.commitment) == 64
    freeze_plan(plan, alice, on=FREEZE_DAY)
    plan.refresh_from_db()
    # 30 networked facilities: A = ceil(0.10 × 30) = 3; Q1 cumulative = ceil(3 × 1/4) = 1.
    assert (plan.counted_facilities, plan.annual_quota, plan.quarter_target) == (30, 3, 1)
    assert plan.n_to_draw == 1 and plan.eligible_count == 30 and plan.floor == 0.02
    assert PopulationUnit.objects.filter(plan=plan).count() == 30
    pis = list(
        PopulationUnit.objects.filter(plan=plan).values_list("inclusion_probability", flat=True)
    )
    assert sum(pis) == pytest.approx(1.0) and min(pis) >= 0.02 - 1e-12
    draw_plan(plan, alice)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN
    assert commitment(bytes.fromhex(plan.revealed_secret)) == plan.commitment
    items = list(PlanItem.objects.filter(plan=plan))
    assert len(items) == 1 and items[0].task.state == TaskState.PLANNED
    assert items[0].task.reference == "620100-2026Q1-001"
    task = items[0].task
    # Drawn on 2026-01-05: unannounced any day from the next day to the end of the quarter.
    assert (task.visit_from.isoformat(), task.visit_until.isoformat()) == (
        "2026-01-06",
        "2026-03-31",
    )
    outcome = verify_plan(plan)
    assert outcome.match, outcome.reasons
    assert not PlanSecret.objects.filter(plan=plan).exists()  # revealed, no second copy


def test_n_above_the_quota_is_allowed_and_below_it_is_refused(world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    with pytest.raises(CeremonyError, match="below this quarter's quota target 1"):
        freeze_plan(plan, alice, on=FREEZE_DAY, n=0)
    freeze_plan(plan, alice, on=FREEZE_DAY, n=6)
    draw_plan(plan, alice)
    assert PlanItem.objects.filter(plan=plan).count() == 6
    assert Task.objects.filter(plan=plan).count() == 6  # one facility per enterprise here


def test_steps_out_of_order_say_what_comes_first(world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    with pytest.raises(CeremonyError, match=r"'freeze' needs 'committed'.*next step is 'commit'"):
        freeze_plan(plan, alice, on=FREEZE_DAY)
    with pytest.raises(CeremonyError, match="'draw' needs 'frozen'"):
        draw_plan(plan, alice)
    commit_plan(plan, alice)
    with pytest.raises(CeremonyError, match="'commit' needs 'draft'"):
        commit_plan(plan, alice)
    with pytest.raises(CeremonyError, match="already has a plan"):
        create_plan(alice, world.lanzhou, 2026, 1)


def test_a_failed_step_changes_nothing(world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    with pytest.raises(CeremonyError):
        freeze_plan(plan, alice, on=FREEZE_DAY, n=31)  # more than the 30 eligible
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED and plan.population_hash == ""
    assert not PopulationUnit.objects.filter(plan=plan).exists()


def test_the_secret_is_unreadable_before_the_draw(world: Any, alice: Any, petra: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY)
    secret_hex = PlanSecret.objects.get(plan=plan).secret_hex
    assert commitment(bytes.fromhex(secret_hex)) == plan.commitment
    for user in (alice, petra):
        rows = list(QuarterlyPlan.objects.visible_to(user).values())
        assert rows and secret_hex not in json.dumps(rows, default=str)
    assert not hasattr(PlanSecret.objects, "visible_to")  # no scoped query can serve it
    log = json.dumps(list(AuditEntry.objects.values("summary", "changes")), ensure_ascii=False)
    assert secret_hex not in log and plan.commitment in log
    draw_plan(plan, alice)
    plan.refresh_from_db()
    assert plan.revealed_secret == secret_hex


def test_each_step_is_in_the_audit_log(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    entries = AuditEntry.objects.filter(model="targeting.QuarterlyPlan", object_id=str(plan.pk))
    assert [e.summary.rsplit(" ", 1)[1] for e in entries] == ["create", "commit", "freeze", "draw"]
    assert {e.actor for e in entries} == {"alice"}
    assert entries.last().changes["state"] == ["frozen", "drawn"]


def test_the_population_hash_is_of_the_eligible_units(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    units = [
        (str(fid), w)
        for fid, w in PopulationUnit.objects.filter(plan=plan, excluded_reason="").values_list(
            "facility_id", "weight"
        )
    ]
    assert population_hash(units) == plan.population_hash
    assert Bundle.from_json(plan.bundle).population_hash == plan.population_hash


def tampered(plan: QuarterlyPlan, **change: Any) -> str:
    data = json.loads(plan.bundle)
    data.update(change)
    return json.dumps(data)


def test_verify_catches_a_changed_weight(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    population = json.loads(plan.bundle)["population"]
    population[0][1] = "9.000000"
    outcome = verify_bundle_text(tampered(plan, population=population))
    assert not outcome.match
    assert any(r.startswith("population_hash:") for r in outcome.reasons)


def test_verify_catches_a_removed_facility(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    population = json.loads(plan.bundle)["population"][1:]
    outcome = verify_bundle_text(tampered(plan, population=population))
    assert not outcome.match and any("population_hash" in r for r in outcome.reasons)


def test_verify_catches_a_changed_secret(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    outcome = verify_bundle_text(tampered(plan, secret="00" * 32))
    assert not outcome.match
    assert any(r.startswith("commitment:") for r in outcome.reasons)


def test_verify_catches_a_consistent_bundle_with_another_commitment(world: Any, alice: Any) -> None:
    """A fresh secret chosen after the freeze gives a self-consistent bundle: only the published
    commitment exposes it."""
    plan = run_to_drawn(alice, world.lanzhou)
    original = Bundle.from_json(plan.bundle)
    forged = make_bundle(original.population, original.n, original.floor, b"chosen-later-" * 3)
    text = forged.to_json()
    alone = verify_bundle_text(text)
    assert alone.match and alone.plan is None and alone.notes  # self-consistent, no plan found
    against = verify_bundle_text(text, commitment=plan.commitment)
    assert not against.match
    assert any(r.startswith("published_commitment:") for r in against.reasons)
    plan.bundle = text  # as if someone replaced the stored bundle
    checked = verify_plan(plan)
    assert not checked.match
    assert {r.split(":")[0] for r in checked.reasons} >= {"published_commitment"}


def test_verify_reports_a_malformed_file_as_a_mismatch() -> None:
    outcome = verify_bundle_text(b"{not json")
    assert not outcome.match and outcome.reasons[0].startswith("format:")


def test_the_bundle_is_published_only_after_the_quarter(world: Any, alice: Any) -> None:
    plan = run_to_drawn(alice, world.lanzhou)
    assert bundle_public_from(plan).isoformat() == "2026-04-01"
    assert published_bundle(plan, FREEZE_DAY) is None
    assert published_bundle(plan, bundle_public_from(plan)) == plan.bundle


def test_a_facility_checked_recently_is_excluded_by_rule(world: Any, alice: Any) -> None:
    from datetime import date

    from ceguan.targeting.choices import ItemSource

    # A done task visited 2025-12-01 (35 days before the freeze, < 90) covering one facility.
    old = create_plan(alice, world.lanzhou, 2025, 4)
    facility = world.facilities["lanzhou"][0]
    task = Task.objects.create(
        reference="620100-2025Q4-001", plan=old, enterprise=facility.outlet.enterprise,
        city=world.lanzhou, way_of_working="joint", source=ItemSource.DRAW,
        visit_from=date(2025, 11, 1), visit_until=date(2025, 12, 31), state=TaskState.DONE,
        visited_on=date(2025, 12, 1),
    )  # fmt: skip
    PlanItem.objects.create(
        plan=old, facility=facility, enterprise=facility.outlet.enterprise,
        way_of_working="joint", source=ItemSource.DRAW, task=task,
    )  # fmt: skip
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY)
    unit = PopulationUnit.objects.get(plan=plan, facility=facility)
    assert unit.excluded_reason.startswith("recent_inspection: checked 35 days ago")
    assert unit.inclusion_probability is None
    plan.refresh_from_db()
    assert plan.eligible_count == 29 and plan.counted_facilities == 30


def quarter(user: Any, city: Any, q: int, on: Any, n: int | None = None) -> QuarterlyPlan:
    plan = create_plan(user, city, 2026, q)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=on, n=n)
    return draw_plan(plan, user)


def test_a_cancelled_task_is_a_shortfall_carried_into_the_next_quarter(
    world: Any, alice: Any, clock: Any
) -> None:
    from datetime import date

    from ceguan.targeting.progress import region_progress
    from ceguan.targeting.tasks import cancel_task

    q1 = quarter(alice, world.lanzhou, 1, FREEZE_DAY)
    cancel_task(q1.tasks.get(), "企业停产", alice)
    clock.move_to("2026-04-02T02:00:00+00:00")
    q2 = quarter(alice, world.lanzhou, 2, date(2026, 4, 2))
    # 30 facilities: A = 3; cumulative Q1 = ceil(0.75) = 1, Q2 = ceil(1.5) = 2; nothing counts
    # from Q1 (its only task was cancelled), so Q2 carries 1 and must draw 2.
    assert (q2.annual_quota, q2.achieved_before, q2.shortfall_in, q2.quarter_target) == (3, 0, 1, 2)
    assert q2.n_to_draw == 2 and q2.items.count() == 2
    rows = region_progress(world.lanzhou, 2026, date(2026, 4, 2)).quarters
    assert [(r.quarter, r.cumulative_due, r.drawn, r.shortfall) for r in rows[:2]] == [
        (1, 1, 0, 1),  # the cancelled item is not counted
        (2, 2, 2, 0),
    ]


def test_more_facilities_mid_year_raise_the_quota_from_then_on(
    world: Any, alice: Any, clock: Any
) -> None:
    from datetime import date

    from tests.conftest import make_enterprise, make_facility

    quarter(alice, world.lanzhou, 1, FREEZE_DAY)  # A = 3, draws 1
    for _ in range(20):  # networked in February: counted from Q2
        make_facility(make_enterprise(world.lanzhou), networked_on=date(2026, 2, 1))
    clock.move_to("2026-04-02T02:00:00+00:00")
    q2 = quarter(alice, world.lanzhou, 2, date(2026, 4, 2))
    # 50 facilities: A = ceil(5.0) = 5; cumulative Q1 = ceil(1.25) = 2, Q2 = ceil(2.5) = 3;
    # Q1 achieved 1, so 1 is carried and Q2 draws 3 − 1 = 2.
    assert (q2.counted_facilities, q2.annual_quota) == (50, 5)
    assert (q2.achieved_before, q2.shortfall_in, q2.quarter_target) == (1, 1, 2)
    q1 = QuarterlyPlan.objects.get(region=world.lanzhou, year=2026, quarter=1)
    assert (q1.counted_facilities, q1.annual_quota) == (30, 3)  # Q1 keeps its own count


def test_province_adhoc_items_count_toward_no_city_quota(
    world: Any, alice: Any, petra: Any, clock: Any
) -> None:
    from datetime import date

    from ceguan.targeting.tasks import create_adhoc_task
    from tests.targeting.test_facts import alarm

    facility = world.facilities["lanzhou"][1]
    create_adhoc_task(petra, [alarm(facility, "exceedance", "new", facility.created)], "joint")
    clock.move_to("2026-04-02T02:00:00+00:00")
    q2 = quarter(alice, world.lanzhou, 2, date(2026, 4, 2))
    assert q2.achieved_before == 0 and q2.quarter_target == 2  # the province's task not counted
