"""Constant value runs (rule ``constant_run``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ceguan.screening import Severity
from ceguan.screening.detectors.constant import constant_run
from tests.screening import assert_registered, at, hourly, valid


def test_it_reports_six_identical_hourly_values() -> None:
    # 5.0 from 01:00 to 06:00: six values spanning 5 h (≥ 5 values and ≥ 4 h).
    values = [3.1, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 2.2]
    [e] = constant_run(hourly(8), values, valid(8), pollutant="so2")
    assert (e.start, e.end) == (at(1), at(6))
    assert e.evidence == {
        "value": 5.0,
        "n_values": 6,
        "duration_h": 5.0,
        "first": "2026-01-05T01:00:00Z",
        "last": "2026-01-05T06:00:00Z",
        "share_repeated": 0.0,  # no other repeated pair in the series
        "min_equal": 4,  # min_count − 1
        "longest_other_run": 1,  # every other value differs from its neighbours
        "step_share": 0.5,  # moves 1.9 and 2.8: the commonest size is 1 of the 2 moves
        "own_tail": False,  # no other run: the own-history guard cannot apply
    }
    assert e.score == 5.0
    assert e.severity is Severity.WARNING
    assert_registered(e)


def test_it_needs_enough_values() -> None:
    # Four identical values are fewer than min_count = 5.
    assert constant_run(hourly(6), [1.0, 5, 5, 5, 5, 2], valid(6), pollutant="so2") == []


def test_it_needs_enough_time() -> None:
    # Ten identical minute values span 9 minutes, far under 2 h.
    minutes = np.datetime64("2026-01-05T00:00", "s") + np.arange(10) * np.timedelta64(60, "s")
    assert constant_run(minutes, [7.5] * 10, valid(10), pollutant="so2") == []


def test_it_ignores_a_constant_run_flagged_as_stopped() -> None:
    # Flat zero flow, and a held value, during a stop flagged F are the declared state.
    assert constant_run(hourly(8), [0.0] * 8, ["F"] * 8, pollutant="flow") == []
    assert constant_run(hourly(8), [12.0] * 8, ["F"] * 8, pollutant="so2") == []


def test_it_ignores_values_under_maintenance_calibration_or_fault() -> None:
    for flag in "MCD":
        assert constant_run(hourly(8), [12.0] * 8, [flag] * 8, pollutant="so2") == []


def test_it_leaves_runs_at_zero_to_the_zero_detector() -> None:
    assert constant_run(hourly(8), [0.0] * 8, valid(8), pollutant="so2") == []


def test_a_missing_or_flagged_value_breaks_the_run() -> None:
    values = [5.0, 5, 5, 5, np.nan, 5, 5, 5, 5]
    assert constant_run(hourly(9), values, valid(9), pollutant="so2") == []
    flags = ["N"] * 4 + ["M"] + ["N"] * 4
    assert constant_run(hourly(9), [5.0] * 9, flags, pollutant="so2") == []


def test_the_caller_can_judge_manual_set_values_too() -> None:
    [e] = constant_run(hourly(6), [9.0] * 6, ["S"] * 6, pollutant="so2", judged_flags=("N", "S"))
    assert e.evidence["n_values"] == 6


def test_it_reports_nothing_for_empty_all_missing_or_single_value_series() -> None:
    assert constant_run(hourly(0), [], [], pollutant="so2") == []
    assert constant_run(hourly(9), [np.nan] * 9, valid(9), pollutant="so2") == []
    assert constant_run(hourly(1), [4.0], valid(1), pollutant="so2") == []


@given(st.lists(st.sampled_from([1.0, 2.0]), max_size=80))
def test_every_reported_run_is_constant_long_and_maximal(values: list[float]) -> None:
    x = np.array(values)
    t = hourly(x.size)
    for e in constant_run(t, x, valid(x.size), pollutant="so2"):
        inside = (t >= e.start) & (t <= e.end)
        assert (x[inside] == e.evidence["value"]).all()
        assert inside.sum() == e.evidence["n_values"] >= 5
        first, last = np.flatnonzero(inside)[[0, -1]]
        assert first == 0 or x[first - 1] != x[first]
        assert last == x.size - 1 or x[last + 1] != x[last]


def test_a_coarse_series_needs_a_longer_run() -> None:
    # 40 hourly values that alternate 1.0, 1.0, 2.0, 2.0 …: 20 repeated pairs of 39, then a
    # run of six 7.0 (5 equalities) from 40 to 45. Outside that run: m = 45 − 5 = 40 pairs,
    # p = (25 − 5) / 40 = 0.5; the guard needs k ≥ log(0.01 / 40) / log(0.5) = 11.97 → 12.
    coarse = [1.0, 1.0, 2.0, 2.0] * 10 + [7.0] * 6
    n = len(coarse)
    assert constant_run(hourly(n), coarse, valid(n), pollutant="ph") == []
    [e] = constant_run(hourly(n), coarse, valid(n), pollutant="ph", alpha=None)
    assert e.evidence["n_values"] == 6
    longer = [1.0, 1.0, 2.0, 2.0] * 10 + [7.0] * 13  # 12 equalities: m = 40, p = 0.5
    [e] = constant_run(hourly(53), longer, valid(53), pollutant="ph")
    assert (e.evidence["min_equal"], e.evidence["share_repeated"]) == (12, 0.5)


MINUTE = np.timedelta64(60, "s")


def minute_series(held: int) -> tuple[np.ndarray, np.ndarray]:
    """An hour of moving minute values (never two alike), ``held`` values of 4.213, an hour more."""
    moving = 3.0 + 0.001 * np.arange(60) ** 2  # moves 0.001, 0.003, 0.005 …: no repeated pair
    values = np.r_[moving, np.full(held, 4.213), moving[::-1] + 2.0]
    return np.datetime64("2026-01-05T00:00", "s") + np.arange(values.size) * MINUTE, values


def test_a_value_held_for_two_hours_of_minutes_is_reported() -> None:
    # Version 3: 121 minute values of 4.213 span 120 min = 2 h (min_duration); no other pair
    # repeats, so only min_count decides the equalities (4). 120 values span 1 h 59 min.
    times, values = minute_series(121)
    [e] = constant_run(times, values, valid(values.size), pollutant="nox")
    assert (e.start, e.end) == (times[60], times[180])
    assert (e.evidence["n_values"], e.evidence["duration_h"]) == (121, 2.0)
    assert (e.evidence["min_equal"], e.evidence["share_repeated"]) == (4, 0.0)
    assert_registered(e)
    times, values = minute_series(120)
    assert constant_run(times, values, valid(values.size), pollutant="nox") == []


def test_an_analyser_frozen_from_start_up_until_the_morning_round_is_reported() -> None:
    # Seed 2 of the screening bench: a food plant (runs 08–20 h Beijing) whose NOx analyser is
    # frozen from 08:00 to 11:10 (190 minute values, 3 h 9 min); version 2's 4 h missed it.
    times, values = minute_series(190)
    [e] = constant_run(times, values, valid(values.size), pollutant="nox")
    assert (e.evidence["n_values"], e.score) == (190, 3.15)  # 189 min = 3.15 h
    four_hours = np.timedelta64(4, "h")
    assert (
        constant_run(times, values, valid(values.size), pollutant="nox", min_duration=four_hours)
        == []
    )
