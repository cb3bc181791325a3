"""Quota arithmetic (甘环办发〔2018〕25号 二（二）, 10 % a year by quarter), computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from ceguan.targeting.quota import (
    annual_quota,
    cumulative_target,
    quarter_bounds,
    quarter_of,
    quarter_target,
    year_progress,
)


def test_the_annual_quota_is_the_share_rounded_up() -> None:
    assert annual_quota(0.10, 130) == 13  # 13.0 exactly, not 14 from 0.1's binary float
    assert annual_quota(0.10, 131) == 14  # 13.1 → 14: "不低于" is a floor
    assert annual_quota(0.10, 9) == 1  # 0.9 → 1
    assert annual_quota(0.10, 0) == 0
    assert annual_quota(0.15, 20) == 3


def test_the_annual_quota_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="fraction"):
        annual_quota(10, 100)
    with pytest.raises(ValueError, match="negative"):
        annual_quota(0.1, -1)


def test_cumulative_targets_spread_the_year_over_quarters_rounding_up() -> None:
    # 13 × q / 4 = 3.25, 6.5, 9.75, 13 → 4, 7, 10, 13
    assert [cumulative_target(13, q) for q in (1, 2, 3, 4)] == [4, 7, 10, 13]
    # 4 × q / 4 = 1, 2, 3, 4
    assert [cumulative_target(4, q) for q in (1, 2, 3, 4)] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="quarter"):
        cumulative_target(13, 5)


def test_a_quarter_on_target_carries_nothing() -> None:
    target = quarter_target(0.10, 130, 2, achieved_before=4)
    assert (target.annual_quota, target.shortfall_in, target.target) == (13, 0, 3)  # 7 − 4


def test_a_shortfall_is_carried_into_the_next_quarter() -> None:
    # Q1 due 4, Q2 due 7 cumulative; only 2 done in Q1 and 1 in Q2 → 3 done before Q3.
    target = quarter_target(0.10, 130, 3, achieved_before=3)
    assert target.shortfall_in == 7 - 3  # 4 carried
    assert target.target == 10 - 3  # 7 to draw in Q3 (3 of its own + 4 carried)


def test_a_quarter_with_no_plan_at_all_is_carried_whole() -> None:
    # Nothing done in Q1: Q2 must reach the cumulative 7.
    target = quarter_target(0.10, 130, 2, achieved_before=0)
    assert (target.shortfall_in, target.target) == (4, 7)


def test_doing_more_early_lowers_later_targets_but_never_below_zero() -> None:
    assert quarter_target(0.10, 130, 2, achieved_before=6).target == 1  # 7 − 6
    assert quarter_target(0.10, 130, 2, achieved_before=9).target == 0  # 7 − 9 → 0


def test_a_facility_count_that_changes_mid_year_changes_the_quota_from_then_on() -> None:
    # Q1 counted 130 (A = 13, due 4) and drew 4. By Q3's freeze the city counts 170 facilities:
    # A = ceil(17.0) = 17; cumulative by Q3 = ceil(17 × 3 / 4) = ceil(12.75) = 13.
    q1 = quarter_target(0.10, 130, 1, achieved_before=0)
    q3 = quarter_target(0.10, 170, 3, achieved_before=4 + 3)
    assert (q1.annual_quota, q1.target) == (13, 4)
    assert q3.annual_quota == 17
    assert q3.shortfall_in == 9 - 7  # cumulative Q2 with A = 17: ceil(8.5) = 9; done 7
    assert q3.target == 13 - 7


def test_year_progress_reports_due_done_and_shortfall_per_quarter() -> None:
    # A = 13 frozen in Q1 and Q2, 17 from Q3 (more facilities). Drawn 4, 1, 6; ad hoc 1 in Q2.
    rows = year_progress(
        annual_by_quarter={1: 13, 2: 13, 3: 17},
        planned={1: 4, 2: 3, 3: 7},
        drawn={1: 4, 2: 1, 3: 6},
        adhoc={2: 1},
        visited={1: 4, 2: 1},
    )
    got = [(r.quarter, r.due, r.cumulative_due, r.cumulative_done, r.shortfall) for r in rows]
    assert got == [
        (1, 4, 4, 4, 0),  # ceil(3.25) = 4
        (2, 3, 7, 6, 1),  # ceil(6.5) = 7; 4 + 1 + 1 ad hoc = 6
        (3, 4, 13, 12, 1),  # A = 17: ceil(12.75) = 13, ceil(8.5) = 9 → due 4; 6 + 6 = 12
        (4, 4, 17, 12, 5),  # A stays 17
    ]
    assert rows[1].visited == 1 and rows[3].planned is None


def test_quarters_before_the_first_frozen_plan_owe_their_share() -> None:
    # First plan of the year frozen in Q4 with A = 3: Q1–Q3 were due ceil(3·q/4) = 1, 2, 3.
    rows = year_progress({4: 3}, {4: 2}, {4: 2}, {}, {})
    got = [(r.quarter, r.due, r.cumulative_due, r.cumulative_done, r.shortfall) for r in rows]
    assert got == [(1, 1, 1, 0, 1), (2, 1, 2, 0, 2), (3, 1, 3, 0, 3), (4, 0, 3, 2, 1)]


def test_year_progress_without_a_quota_has_no_shortfall() -> None:
    rows = year_progress({}, {}, {1: 2}, {}, {})
    assert rows[0].shortfall is None and rows[0].cumulative_done == 2


def test_quarters_are_calendar_quarters() -> None:
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds(2024, 1)[1] == date(2024, 3, 31)
    assert quarter_bounds(2026, 3) == (date(2026, 7, 1), date(2026, 9, 30))
    assert [quarter_of(date(2026, m, 15)) for m in (1, 3, 4, 6, 7, 10, 12)] == [1, 1, 2, 2, 3, 4, 4]


@pytest.mark.parametrize("module", ["ceguan.targeting.quota", "ceguan.targeting.assign"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    failed, _ = doctest.testmod(importlib.import_module(module))
    assert failed == 0


def test_only_the_province_organises_agency_first_and_cross_city_work() -> None:
    """甘环办发〔2018〕25号 四（三）、（四） both begin "省级环境保护主管部门"."""
    from ceguan.standards import load_rulebook
    from tests.standards.test_workplan import clause

    found = load_rulebook().get("workplan.provincial_ways", on=date(2018, 4, 20))
    assert found.codes() == ("agency_first", "cross_city") and found.verified
    assert clause("四", "三").startswith("省级环境保护主管部门可采取委托社会第三方检测机构")
    assert clause("四", "四").startswith("省级环境保护主管部门根据工作实际和需要")
