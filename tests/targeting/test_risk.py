"""Risk score (M-5): each factor adds exactly its weight, weights are dated, clauses are cited.

Totals are computed by hand in comments beside the expected values. Clause citations are
checked against the work plan text (甘环办发〔2018〕25号, ``shared/design/work-plan-2018.txt``)
with the clause reader of ``tests/standards/test_workplan.py``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ceguan.standards import NotInForce, load_rulebook, read_rulebook
from ceguan.standards.rulebook import PACKAGE_DIR
from ceguan.targeting.risk import (
    FACTORS,
    FacilityFacts,
    Weight,
    Weights,
    factor_values,
    load_weights,
    risk_score,
)
from tests.standards.test_workplan import NUMERAL, WORK_PLAN, clause

ISSUED_ON = date(2018, 4, 20)

#: Distinct weights (powers of two / 1000) so that any wrong sum shows.
HAND_WEIGHTS = {name: 2**i / 1000 for i, name in enumerate(FACTORS)}


def hand_weights(base: float = 0.05) -> Weights:
    return Weights(
        base=base,
        factors={name: Weight(value, f"clause of {name}") for name, value in HAND_WEIGHTS.items()},
        focus_industries=frozenset({"steel", "cement"}),
        check_interval_days=100.0,
    )


#: A facility with no factor present: key unit, third-party operator of long standing, clean.
CLEAN = FacilityFacts(
    industry="chemical",
    operation_mode="third_party",
    operator_entered_year=2010,
    plan_year=2018,
    supervision_category="key_unit",
    exceedances_past_year=0,
    falsification_findings=0,
    fault_rate=0.0,
    anomaly_rate=0.0,
    open_alarms=0,
    confirmed_alarms=0,
    transmission_rate=1.0,
    days_since_last_check=0,
)

#: For each factor, the change to CLEAN that makes it fully present.
PRESENT = {
    "focus_industry": {"industry": "steel"},
    "no_third_party_operation": {"operation_mode": "self"},
    "new_operator": {"operator_entered_year": 2018},
    "non_key_enterprise": {"supervision_category": "non_key"},
    "exceedance_history": {"exceedances_past_year": 3},
    "falsification_history": {"falsification_findings": 1},
    "fault_rate": {"fault_rate": 1.0},
    "anomaly_rate": {"anomaly_rate": 1.0},
    "open_alarms": {"open_alarms": 2},
    "confirmed_alarms": {"confirmed_alarms": 1},
    "transmission_shortfall": {"transmission_rate": 0.0},
    "days_since_last_check": {"days_since_last_check": None},
}


def contributions(facts: FacilityFacts, weights: Weights) -> dict[str, float]:
    return {factor.name: factor.contribution for factor in risk_score(facts, weights).factors}


def test_every_factor_has_a_case() -> None:
    assert set(PRESENT) == set(FACTORS)


def test_a_clean_facility_scores_the_base_only() -> None:
    result = risk_score(CLEAN, hand_weights(base=0.05))
    assert [factor.name for factor in result.factors] == list(FACTORS)
    assert all(factor.contribution == 0.0 for factor in result.factors)
    assert result.score == pytest.approx(0.05, abs=1e-12)


@pytest.mark.parametrize("name", list(FACTORS))
def test_each_factor_adds_exactly_its_weight_when_present(name: str) -> None:
    weights = hand_weights(base=0.05)
    facts = replace(CLEAN, **PRESENT[name])
    found = contributions(facts, weights)
    assert found[name] == pytest.approx(HAND_WEIGHTS[name], abs=1e-12)
    assert all(value == 0.0 for other, value in found.items() if other != name)
    score = risk_score(facts, weights).score
    assert score == pytest.approx(0.05 + HAND_WEIGHTS[name], abs=1e-12)


def test_all_factors_present_sum_to_base_plus_all_weights() -> None:
    facts = CLEAN
    for change in PRESENT.values():
        facts = replace(facts, **change)
    # new_operator needs third_party, which no_third_party_operation's change removed:
    # 0.05 + (1 + 2 + 8 + 16 + … + 2048)/1000 = 0.05 + (4095 − 4)/1000 = 4.141
    result = risk_score(facts, hand_weights(base=0.05))
    assert contributions(facts, hand_weights())["new_operator"] == 0.0
    assert result.score == pytest.approx(4.141, abs=1e-12)


def test_rates_scale_their_weights() -> None:
    facts = replace(
        CLEAN, fault_rate=0.25, anomaly_rate=0.5, transmission_rate=0.9, days_since_last_check=50
    )
    found = contributions(facts, hand_weights(base=0.0))
    assert found["fault_rate"] == pytest.approx(0.25 * 0.064, abs=1e-12)  # 0.016
    assert found["anomaly_rate"] == pytest.approx(0.5 * 0.128, abs=1e-12)  # 0.064
    assert found["transmission_shortfall"] == pytest.approx(0.1 * 1.024, abs=1e-12)  # 0.1024
    assert found["days_since_last_check"] == pytest.approx(0.5 * 2.048, abs=1e-12)  # 50/100
    overdue = replace(CLEAN, days_since_last_check=400)
    assert contributions(overdue, hand_weights())["days_since_last_check"] == 2.048  # capped at 1


def test_the_new_operator_is_new_in_the_plan_year_only() -> None:
    weights = hand_weights()
    for entered, expected in ((2017, 0.0), (2018, 1.0), (2019, 0.0), (None, 0.0)):
        facts = replace(CLEAN, operator_entered_year=entered)
        assert factor_values(facts, weights)["new_operator"] == expected, entered
    later = replace(CLEAN, operator_entered_year=2021, plan_year=2021)
    assert factor_values(later, weights)["new_operator"] == 1.0


def test_none_and_self_operation_both_count_as_no_third_party() -> None:
    weights = hand_weights()
    for mode, expected in (("self", 1.0), ("none", 1.0), ("third_party", 0.0)):
        facts = replace(CLEAN, operation_mode=mode)
        assert factor_values(facts, weights)["no_third_party_operation"] == expected, mode


def test_national_key_and_key_units_are_not_non_key() -> None:
    weights = hand_weights()
    for category, expected in (("national_key", 0.0), ("key_unit", 0.0), ("non_key", 1.0)):
        facts = replace(CLEAN, supervision_category=category)
        assert factor_values(facts, weights)["non_key_enterprise"] == expected, category


def test_facts_out_of_range_are_rejected() -> None:
    with pytest.raises(ValueError, match="fault_rate"):
        replace(CLEAN, fault_rate=1.5)
    with pytest.raises(ValueError, match="open_alarms"):
        replace(CLEAN, open_alarms=-1)


def test_weights_must_cover_every_factor() -> None:
    with pytest.raises(ValueError, match="missing"):
        Weights(0.0, {"focus_industry": Weight(0.1, "c")}, frozenset(), 365.0)


# --- the shipped rule book ---------------------------------------------------------------


def test_the_focus_industries_come_from_the_rule_book() -> None:
    rulebook = load_rulebook()
    weights = load_weights(rulebook, on=ISSUED_ON)
    listed = rulebook.get("workplan.focus_industries", on=ISSUED_ON).codes()
    assert weights.focus_industries == frozenset(listed)
    for industry in listed:
        facts = replace(CLEAN, industry=industry)
        assert factor_values(facts, weights)["focus_industry"] == 1.0, industry
    for industry in ("chemical", "coking", "glass", "other"):
        facts = replace(CLEAN, industry=industry)
        assert factor_values(facts, weights)["focus_industry"] == 0.0, industry


def test_shipped_weights_explain_a_score() -> None:
    """A steel plant, self-operated, non-key, with one open alarm, checked 73 days ago."""
    weights = load_weights(load_rulebook(), on=date(2024, 5, 1))
    facts = replace(
        CLEAN,
        industry="steel",
        operation_mode="self",
        supervision_category="non_key",
        open_alarms=1,
        days_since_last_check=73,
    )
    result = risk_score(facts, weights)
    # base 0.10 + focus 0.15 + no third party 0.10 + non-key 0.10 + open alarm 0.10
    # + last check 0.10 × 73/365 = 0.02  → 0.57
    assert result.score == pytest.approx(0.57, abs=1e-12)
    assert result.score == pytest.approx(
        result.base + sum(factor.contribution for factor in result.factors), abs=1e-12
    )
    focus = next(factor for factor in result.factors if factor.name == "focus_industry")
    assert (focus.label_zh, focus.weight, focus.contribution) == ("重点行业", 0.15, 0.15)
    assert focus.clause == "甘环办发〔2018〕25号 三（一）"


def test_weights_are_policy_parameters_not_verified() -> None:
    rulebook = load_rulebook()
    for parameter in rulebook.all_parameters():
        if parameter.path.startswith("targeting."):
            assert parameter.verified is False, parameter.path
            assert "Policy parameter, set by the province" in (parameter.documentation or "")


FOCUS_CLAUSES = {
    "focus_industry": "三（一）",
    "no_third_party_operation": "三（二）",
    "new_operator": "三（二）",
    "non_key_enterprise": "三（三）",
    "exceedance_history": "三（四）",
    "falsification_history": "三（四）",
    "fault_rate": "三（四）",
    "anomaly_rate": "三（四）",
}


@pytest.mark.skipif(not WORK_PLAN.is_file(), reason=f"{WORK_PLAN} is not present")
def test_every_factor_cites_a_clause_of_the_work_plan() -> None:
    """Focus factors cite 三（一）–（四）, each of those four is covered, and (五) is not a factor.

    The live signals cite the clause they rest on: alarms and periodic checks 二（二）, the
    transmission shortfall (a fault indicator) 三（四）.
    """
    weights = load_weights(load_rulebook(), on=ISSUED_ON)
    cited: dict[str, str] = {}
    for name, weight in weights.factors.items():
        title = re.fullmatch(rf"甘环办发〔2018〕25号 (({NUMERAL}+)（({NUMERAL}+)）)", weight.clause)
        assert title, f"{name}: {weight.clause}"
        assert clause(title.group(2), title.group(3)), name  # the item exists in the plan
        cited[name] = title.group(1)
    for name, section in FOCUS_CLAUSES.items():
        assert cited[name] == section, name
    assert {cited[name] for name in FOCUS_CLAUSES} == {
        "三（一）",
        "三（二）",
        "三（三）",
        "三（四）",
    }
    assert "三（五）" not in cited.values()
    assert all(section.startswith(("二", "三")) for section in cited.values())


# --- dated weights -----------------------------------------------------------------------


def rule_book_with_a_revised_weight(tmp_path: Path) -> Path:
    """A copy of the rule book with a revision of the falsification weight from 2021-01-01."""
    root = tmp_path / "standards"
    shutil.copytree(PACKAGE_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    file = root / "targeting" / "weights" / "falsification_history.yaml"
    text = file.read_text(encoding="utf-8")
    assert "  2018-04-20: 0.25\n" in text
    file.write_text(
        text.replace("  2018-04-20: 0.25\n", "  2018-04-20: 0.25\n  2021-01-01: 0.4\n"),
        encoding="utf-8",
    )
    return root


def test_weights_are_read_on_the_day_asked(tmp_path: Path) -> None:
    rulebook = read_rulebook(rule_book_with_a_revised_weight(tmp_path))
    facts = replace(CLEAN, falsification_findings=1)
    before = risk_score(facts, load_weights(rulebook, on=date(2020, 12, 31)))
    after = risk_score(facts, load_weights(rulebook, on=date(2021, 1, 1)))
    assert before.score == pytest.approx(0.10 + 0.25, abs=1e-12)  # base + old weight
    assert after.score == pytest.approx(0.10 + 0.4, abs=1e-12)  # base + new weight


def test_no_weights_before_the_plan() -> None:
    with pytest.raises(NotInForce):
        load_weights(load_rulebook(), on=date(2018, 4, 19))
