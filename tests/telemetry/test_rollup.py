"""The maths of derived telemetry, with every expected value worked out by hand."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta

import pytest

from ceguan.telemetry import rollup
from ceguan.telemetry.rollup import (
    HOUR,
    TOO_FEW_MINUTES_FLAG,
    DayCount,
    MinuteValue,
    beijing_day,
    count_day,
    day_bounds,
    dominant_flag,
    expected_hours,
    fault_rate,
    is_online,
    summarise_hour,
)

NETWORKED = date(2017, 4, 1)


def test_the_docstring_examples_hold() -> None:
    failures, tried = doctest.testmod(rollup)
    assert tried > 10 and failures == 0


def test_the_hourly_value_is_the_mean_of_the_valid_minutes() -> None:
    # 45 minutes: 15 × 10, 15 × 20, 15 × 30 → mean (150 + 300 + 450) / 45 = 20.0
    minutes = [MinuteValue(float(v), "N") for v in [10] * 15 + [20] * 15 + [30] * 15]
    hour = summarise_hour(minutes, 45)
    assert hour.value == pytest.approx(20.0)
    assert (hour.minimum, hour.maximum) == (10.0, 30.0)
    assert (hour.flag, hour.valid, hour.valid_minutes, hour.minutes) == ("N", True, 45, 45)
    assert hour.cumulative is None and hour.converted is None


def test_minute_minima_and_maxima_bound_the_hour() -> None:
    minutes = [MinuteValue(10.0, "N", minimum=8.0, maximum=12.0)] * 44 + [MinuteValue(11.0, "N")]
    hour = summarise_hour(minutes, 45)
    # the last minute carries no min/max: its value 11.0 stands in; min(8, 11) = 8, max(12, 11) = 12
    assert (hour.minimum, hour.maximum) == (8.0, 12.0)
    assert hour.value == pytest.approx((44 * 10.0 + 11.0) / 45)  # 451 / 45 = 10.0222…


def test_amounts_are_summed_and_converted_values_averaged() -> None:
    # flow 2.5 m3/s, 150 m3 per minute (2.5 × 60), 50 valid minutes → 7500 m3 in the hour
    flow = [MinuteValue(2.5, "N", cumulative=150.0) for _ in range(50)]
    flow += [MinuteValue(2.5, "M", cumulative=150.0) for _ in range(10)]  # maintenance: left out
    hour = summarise_hour(flow, 45)
    assert hour.cumulative == pytest.approx(7500.0)
    so2 = [MinuteValue(20.0, "N", converted=c) for c in (30.0, 32.0, 34.0)] * 15
    assert summarise_hour(so2, 45).converted == pytest.approx(32.0)  # (30 + 32 + 34) / 3


@pytest.mark.parametrize(("valid", "flag"), [(44, TOO_FEW_MINUTES_FLAG), (45, "N"), (60, "N")])
def test_an_hour_needs_the_minimum_count_of_valid_minutes(valid: int, flag: str) -> None:
    hour = summarise_hour([MinuteValue(5.0, "N")] * valid, 45)
    assert hour.flag == flag
    assert hour.value == 5.0  # the mean is kept even when the hour is not valid


def test_an_invalid_hour_carries_its_dominant_non_n_flag() -> None:
    # 40 N + 12 C + 8 D: 40 < 45 valid → invalid; C (12) outnumbers D (8)
    minutes = [MinuteValue(10.0, "N")] * 40 + [MinuteValue(99.0, "C")] * 12
    minutes += [MinuteValue(0.0, "D")] * 8
    hour = summarise_hour(minutes, 45)
    assert (hour.flag, hour.valid, hour.valid_minutes, hour.minutes) == ("C", False, 40, 60)
    assert hour.value == 10.0  # flagged minutes never enter the mean


def test_a_valid_hour_leaves_flagged_minutes_out_of_its_mean() -> None:
    # 50 N at 10 + 10 C at 99 → valid (50 ≥ 45), mean 10, not (500 + 990) / 60
    minutes = [MinuteValue(10.0, "N")] * 50 + [MinuteValue(99.0, "C")] * 10
    hour = summarise_hour(minutes, 45)
    assert (hour.flag, hour.value, hour.maximum) == ("N", 10.0, 10.0)


def test_an_hour_without_valid_minutes_has_no_value() -> None:
    hour = summarise_hour([MinuteValue(3.0, "D")] * 60, 45)
    assert (hour.value, hour.minimum, hour.flag) == (None, None, "D")


def test_empty_flags_and_lower_case_n_are_valid_but_none_values_are_not() -> None:
    minutes = [MinuteValue(1.0, "")] * 20 + [MinuteValue(1.0, "n")] * 25
    assert summarise_hour(minutes, 45).flag == "N"
    assert summarise_hour([*minutes[:-1], MinuteValue(None, "N")], 45).valid_minutes == 44


def test_ties_between_flags_go_to_the_more_serious_one() -> None:
    assert dominant_flag(["M", "M", "D", "D", "N"]) == "D"
    assert dominant_flag(["B", "F"]) == "B"
    assert dominant_flag(["U", "M"]) == "M"  # a vendor flag ranks after the HJ 212 ones
    assert dominant_flag(["c", "C", "D"]) == "C"  # case does not split a flag


def test_the_beijing_day_turns_at_16_utc() -> None:
    assert beijing_day(datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert beijing_day(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)
    start, end = day_bounds(date(2026, 3, 2))
    assert start == datetime(2026, 3, 1, 16, tzinfo=UTC) and end - start == timedelta(hours=24)
    with pytest.raises(ValueError, match="naive"):
        beijing_day(datetime(2026, 3, 1, 12))


def test_expected_hours_count_only_ended_hours_after_networking() -> None:
    day = date(2026, 3, 2)  # 2026-03-01 16:00 UTC .. 2026-03-02 16:00 UTC
    assert expected_hours(day, datetime(2026, 3, 5, tzinfo=UTC), NETWORKED) == 24
    # 01:59 UTC = 09:59 Beijing: hours 00..08 have ended → 9; the 09:00 hour is still running
    assert expected_hours(day, datetime(2026, 3, 2, 1, 59, tzinfo=UTC), NETWORKED) == 9
    assert expected_hours(day, datetime(2026, 3, 2, 2, 0, tzinfo=UTC), NETWORKED) == 10
    assert expected_hours(day, datetime(2026, 3, 1, 12, tzinfo=UTC), NETWORKED) == 0  # future
    assert expected_hours(day, datetime(2026, 3, 5, tzinfo=UTC), date(2026, 3, 2)) == 24
    assert expected_hours(day, datetime(2026, 3, 5, tzinfo=UTC), date(2026, 3, 3)) == 0
    assert expected_hours(day, datetime(2026, 3, 5, tzinfo=UTC), None) == 0


def test_a_day_counts_received_valid_and_faulty_hours() -> None:
    t = datetime(2026, 3, 1, 16, tzinfo=UTC)
    hours = {
        t: ["N", "N"],  # valid
        t + HOUR: ["N", ""],  # valid (no flag = normal)
        t + 2 * HOUR: ["N", "D"],  # faulty, not valid
        t + 3 * HOUR: ["B"],  # faulty (communication)
        t + 4 * HOUR: ["M", "C"],  # neither
    }
    assert count_day(hours, 24) == DayCount(expected=24, received=5, valid=2, faulty=2)
    assert count_day({}, 24) == DayCount(expected=24, received=0, valid=0, faulty=0)


def test_the_fault_rate_is_faulty_over_expected_hours() -> None:
    assert fault_rate(18, 720) == pytest.approx(0.025)  # 18 / (30 × 24)
    assert fault_rate(30, 24) == 1.0  # never above 1
    assert fault_rate(0, 0) is None


def test_online_means_heard_from_within_the_threshold() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    limit = timedelta(minutes=60)
    assert is_online(now - timedelta(minutes=60), now, limit)
    assert not is_online(now - timedelta(minutes=60, seconds=1), now, limit)
    assert not is_online(None, now, limit)


def test_the_flag_sets_agree_with_the_rule_book():
    """rollup keeps VALID/FAULT flags as constants for speed; they must say what
    standards/flags/status.yaml says (HJ 212-2017 表8, Ceguan's reading)."""
    from datetime import date

    from ceguan.standards import load_rulebook
    from ceguan.telemetry.rollup import FAULT_FLAGS, VALID_FLAGS

    status = load_rulebook().get("flags.status", on=date(2026, 1, 1)).value
    assert {f for f, s in status.items() if s == "valid"} == VALID_FLAGS - {""}
    assert {f for f, s in status.items() if s == "fault"} == FAULT_FLAGS
