"""Risk factors gathered from real rows: registry, alarms, daily rates, completed tasks.

The freeze day is 2026-01-05; the signal window is the 90 days before it (2025-10-07 …
2026-01-04, 2,160 hours), the history window the 365 days before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ceguan.core.validators import make_credit_code
from ceguan.registry.models import Operator
from ceguan.screening.models import Alarm
from ceguan.standards import load_rulebook
from ceguan.targeting.ceremony import commit_plan, create_plan, freeze_plan
from ceguan.targeting.choices import ItemSource, TaskState
from ceguan.targeting.facts import Windows, gather
from ceguan.targeting.models import PlanItem, PopulationUnit, RiskScoreRecord, Task
from ceguan.telemetry.models import DailyRate
from tests.conftest import make_enterprise, make_facility
from tests.targeting.conftest import FREEZE_DAY

pytestmark = pytest.mark.django_db


def alarm(facility: Any, category: str, status: str, start: datetime, hours: int = 1) -> Alarm:
    return Alarm.objects.create(
        facility=facility, pollutant="so2", rule_id=category, rule_version=1, rule_source="test",
        category=category, severity="alarm", status=status, episode_start=start,
        episode_end=start + timedelta(hours=hours - 1), score=1.0, evidence={},
        opened_at=start, updated_at=start,
    )  # fmt: skip


@pytest.fixture
def risky(lanzhou: Any, alice: Any) -> Any:
    """A steel plant off the key lists, run by an operator new in 2026, with a bad record."""
    operator = Operator.objects.create(
        name="新运营公司", credit_code=make_credit_code("91620100MA0000777"),
        entered_province_year=2026,
    )  # fmt: skip
    enterprise = make_enterprise(
        lanzhou, industry="steel", supervision_category="non_key", list_year=None
    )
    facility = make_facility(
        enterprise, operation_mode="third_party", operator=operator,
        contract_start=date(2025, 1, 1), contract_end=date(2027, 1, 1),
    )  # fmt: skip
    beijing_3rd = datetime(2026, 1, 2, 16, 0, tzinfo=UTC)  # 2026-01-03 00:00 Beijing
    alarm(facility, "exceedance", "new", beijing_3rd)  # open, in the history window
    alarm(facility, "exceedance", "dismissed", beijing_3rd)  # dismissed: does not count
    alarm(facility, "exceedance", "confirmed", beijing_3rd - timedelta(days=400))  # too old
    alarm(facility, "falsification_sign", "confirmed", beijing_3rd - timedelta(days=30))
    alarm(facility, "anomaly", "confirmed", beijing_3rd, hours=10)  # 10 hours of the window
    for day, received, faulty in ((date(2026, 1, 2), 20, 2), (date(2026, 1, 3), 16, 4)):
        DailyRate.objects.create(
            facility=facility, day=day, kind="hourly", expected=24, received=received,
            valid=received, faulty=faulty,
        )  # fmt: skip
    DailyRate.objects.create(  # outside the window: ignored
        facility=facility, day=date(2026, 1, 5), kind="hourly", expected=24, received=0, valid=0
    )
    plan = create_plan(alice, lanzhou, 2025, 4)
    task = Task.objects.create(
        reference="620100-2025Q4-001", plan=plan, enterprise=enterprise, city=lanzhou,
        way_of_working="joint", source=ItemSource.DRAW, visit_from=date(2025, 10, 2),
        visit_until=date(2025, 12, 31), state=TaskState.DONE, visited_on=date(2025, 9, 7),
    )  # fmt: skip
    PlanItem.objects.create(
        plan=plan, facility=facility, enterprise=enterprise, way_of_working="joint",
        source=ItemSource.DRAW, task=task,
    )  # fmt: skip
    return facility


def test_the_facts_come_from_the_rows(risky: Any) -> None:
    windows = Windows.load(load_rulebook(), FREEZE_DAY)
    facts, raw = gather(type(risky).objects.filter(pk=risky.pk), windows, 2026)[risky.pk]
    assert facts.industry == "steel" and facts.supervision_category == "non_key"
    assert (facts.operation_mode, facts.operator_entered_year) == ("third_party", 2026)
    assert facts.exceedances_past_year == 1  # the new one; dismissed and 400-day-old left out
    assert facts.falsification_findings == 1
    assert facts.open_alarms == 1  # the new exceedance
    assert facts.confirmed_alarms == 2  # falsification + anomaly, both in the history window
    assert facts.fault_rate == pytest.approx(6 / 48)  # (2 + 4) faulty of 2 × 24 expected
    assert facts.transmission_rate == pytest.approx(36 / 48)
    # 10 hours of the anomaly + 1 hour of the falsification sign (a data anomaly too, as in the
    # survey's anomaly rate), of 90 × 24 = 2,160 hours
    assert facts.anomaly_rate == pytest.approx(11 / 2160)
    assert facts.days_since_last_check == 120  # 2025-09-07 → 2026-01-05
    assert raw["last_check"] == "2025-09-07" and raw["no_data"] is False


def test_a_facility_that_sent_nothing_has_full_transmission_shortfall(world: Any) -> None:
    facility = world.facilities["lanzhou"][0]
    windows = Windows.load(load_rulebook(), FREEZE_DAY)
    facts, raw = gather(type(facility).objects.filter(pk=facility.pk), windows, 2026)[facility.pk]
    assert facts.transmission_rate == 0.0 and raw["no_data"] is True
    assert facts.days_since_last_check is None and facts.fault_rate == 0.0


def test_the_frozen_score_is_explained_and_kept_in_the_history(risky: Any, alice: Any) -> None:
    plan = create_plan(alice, risky.outlet.enterprise.city, 2026, 1)
    commit_plan(plan, alice)
    freeze_plan(plan, alice, on=FREEZE_DAY)
    unit = PopulationUnit.objects.get(plan=plan, facility=risky)
    # Rule-book weights on 2026-01-05 (targeting/weights/*.yaml):
    expected = (
        0.1  # base
        + 0.15  # focus industry (steel)
        + 0.1  # new operator (entered 2026)
        + 0.1  # non-key enterprise
        + 0.15  # exceedance history
        + 0.25  # falsification history
        + 0.1 * 6 / 48  # fault rate 0.125
        + 0.1 * 11 / 2160  # anomaly rate
        + 0.1  # open alarms
        + 0.15  # confirmed alarms
        + 0.1 * (1 - 36 / 48)  # transmission shortfall 0.25
        + 0.1 * 120 / 365  # days since last check
    )
    assert unit.score == pytest.approx(expected)  # ≈ 1.17089
    contributions = {name: c for name, _, _, c in unit.factors["factors"]}
    assert contributions["no_third_party_operation"] == 0.0
    assert contributions["falsification_history"] == pytest.approx(0.25)
    assert unit.weight == f"{round(expected, 6):.6f}"
    assert unit.excluded_reason == ""  # 120 days ago: outside the 90-day exclusion
    history = RiskScoreRecord.objects.get(facility=risky, plan=plan)
    assert history.score == unit.score and history.on == FREEZE_DAY
    assert history.weights_version == "weights@2018-04-20"
    plan.refresh_from_db()
    assert plan.rulebook_versions["targeting.draw_floor"]["value"] == 0.02
    assert plan.rulebook_versions["workplan.annual_inspection_quota"]["verified"] is True
