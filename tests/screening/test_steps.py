"""Level shifts (rule ``step_change``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.level_guards import load_normalised, usual_sd
from ceguan.screening.detectors.steps import step_change
from tests.screening import assert_registered, at, hourly, valid

# Level 20 ± 1 for six hours, then 8 ± 1 from 06:00.
STEP = [20.0, 21, 19, 20, 21, 20, 8, 9, 8, 7, 8, 9]


def test_it_finds_a_drop_of_twelve_at_six_oclock() -> None:
    # Windows of 4 at the change: L = [19, 20, 21, 20] (median 20, MAD 0.5),
    # R = [8, 9, 8, 7] (median 8, MAD 0.5); σ̂ = 1.4826 · 0.5 = 0.7413;
    # z = 12 / (1.2533 · 0.7413 · √(2/4)) = 12 / 0.65696 = 18.266.
    [e] = step_change(hourly(12), STEP, valid(12), pollutant="so2", window=4)
    assert (e.start, e.end) == (at(6), at(9))
    assert e.evidence == {
        "change_time": "2026-01-05T06:00:00Z",
        "level_before": 20.0,
        "level_after": 8.0,
        "shift": -12.0,
        "relative_shift": -0.6,  # −12 / 20
        "z": 18.266,
        "robust_sigma": 0.7413,
        "window": 4,
        "daily_profile_removed": False,  # twelve values are fewer than three days
    }
    assert e.score == pytest.approx(12 / (np.sqrt(np.pi / 2) * 0.7413 * np.sqrt(0.5)))
    assert_registered(e)


def test_a_step_the_load_makes_too_is_explained() -> None:
    load = [100.0] * 6 + [40.0] * 6
    assert step_change(hourly(12), STEP, valid(12), pollutant="so2", window=4, load=load) == []


def test_a_step_under_a_steady_load_is_kept_with_the_load_levels() -> None:
    load = [80.0, 81, 80, 79, 80, 81, 80, 79, 80, 81, 80, 79]
    [e] = step_change(hourly(12), STEP, valid(12), pollutant="so2", window=4, load=load)
    assert (e.evidence["load_before"], e.evidence["load_after"]) == (80.0, 80.0)


def test_a_single_spike_is_not_a_step() -> None:
    values = [20.0, 21, 19, 20, 21, 95, 20, 19, 21, 20, 21, 19]
    assert step_change(hourly(12), values, valid(12), pollutant="so2", window=4) == []


def test_a_small_relative_shift_is_not_a_step() -> None:
    # Very quiet data: 100.0 → 101.0 is many MADs but only 1 %.
    values = [100.0, 100.01, 100.0, 100.01, 101.0, 101.01, 101.0, 101.01]
    assert step_change(hourly(8), values, valid(8), pollutant="so2", window=4) == []


def test_it_uses_only_valid_values() -> None:
    flags = ["N"] * 6 + ["M"] * 6  # the low level is all maintenance
    assert step_change(hourly(12), STEP, flags, pollutant="so2", window=4) == []


@pytest.mark.parametrize("seed", range(5))
def test_noise_has_no_steps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = 30 + rng.normal(0, 3, 2000)
    assert step_change(hourly(2000), values, valid(2000), pollutant="so2") == []


def test_it_finds_each_of_several_steps_in_a_long_series() -> None:
    rng = np.random.default_rng(7)
    levels = np.repeat([30.0, 12.0, 30.0], 200)
    values = levels + rng.normal(0, 1, levels.size)
    found = step_change(hourly(600), values, valid(600), pollutant="so2")
    assert [e.start for e in found] == [at(200), at(400)]


def test_it_reports_nothing_for_short_empty_or_missing_series() -> None:
    assert step_change(hourly(0), [], [], pollutant="so2") == []
    assert step_change(hourly(1), [3.0], valid(1), pollutant="so2") == []
    assert step_change(hourly(12), STEP, valid(12), pollutant="so2", window=24) == []
    assert step_change(hourly(60), [np.nan] * 60, valid(60), pollutant="so2") == []


def test_a_daily_cycle_is_not_a_step_even_with_short_windows() -> None:
    # 30 days of a ±40 % daily cycle: six-hour windows see "steps" every morning unless the
    # daily profile is removed first.
    rng = np.random.default_rng(2)
    hour = np.arange(720) % 24
    values = 30 + 12 * np.sin(2 * np.pi * hour / 24) + rng.normal(0, 1, 720)
    kw = {"pollutant": "so2", "window": 6, "min_relative_shift": 0.3}
    assert step_change(hourly(720), values, valid(720), **kw) == []
    cycled = step_change(hourly(720), values, valid(720), period=None, own_threshold=None, **kw)
    assert len(cycled) > 0


def test_a_real_step_shows_through_the_daily_cycle() -> None:
    rng = np.random.default_rng(3)
    hour = np.arange(720) % 24
    values = 30 + 6 * np.sin(2 * np.pi * hour / 24) + rng.normal(0, 1, 720)
    values[400:] -= 15
    # a drop of 15 from 30 is a relative shift of 0.5, at the default's edge: judged at 0.3
    [e] = step_change(hourly(720), values, valid(720), pollutant="so2", min_relative_shift=0.3)
    assert e.start == at(400)
    assert e.evidence["daily_profile_removed"] is True


def test_load_normalised_fits_the_facilitys_own_elasticity() -> None:
    # x = 10 · (100 / q)^9 exactly: ln x = const − 9 ln q, so β = −9 and, at the median load
    # (median of 48 × 100 and 48 × 92 = 96), every value becomes 10 · (100 / 96)^9 = 14.4321.
    q = np.array([100.0] * 48 + [92.0] * 48)
    x = 10 * (100 / q) ** 9
    out, slope, ref = load_normalised(x, q, min_pairs=72)
    assert slope == pytest.approx(-9.0)
    assert ref == 96.0
    np.testing.assert_allclose(out, 10 * (100 / 96) ** 9)
    assert load_normalised(x, q, min_pairs=97)[1] is None  # too few pairs: unchanged


def test_a_step_the_load_explains_by_the_plants_own_response_is_not_a_step() -> None:
    # CO-like: an 8 % load drop (under max_load_shift 0.1) more than doubles the value
    # ((100/92)^9 = 2.12, relative shift 0.53). The plant always responds so: explained.
    q = np.array([100.0] * 48 + [92.0] * 48)
    x = 10 * (100 / q) ** 9
    kw = {"pollutant": "co", "load": q}
    assert step_change(hourly(96), x, valid(96), **kw) == []
    # every change point of 96 values is near the step, so the own spread test is off here
    [e] = step_change(hourly(96), x, valid(96), min_load_pairs=None, own_threshold=None, **kw)
    assert e.start == at(48)


def test_usual_sd_is_the_robust_spread_of_window_median_differences() -> None:
    # differences 0, 0, 0, 0, 1, 1, −1, −1 and 10: median 0, |d| = 0 0 0 0 1 1 1 1 10,
    # median 1 → 1.4826; 1, 2, …, 9: median 5, |d − 5| = 4 3 2 1 0 1 2 3 4, median 2.
    before = np.zeros(9)
    assert usual_sd(before, np.array([0.0, 0, 0, 0, 1, 1, -1, -1, 10])) == 1.4826
    assert usual_sd(before, np.arange(1.0, 10.0)) == pytest.approx(2 * 1.4826)
    assert np.isnan(usual_sd(before[:7], np.arange(1.0, 8.0)))  # fewer than 8: no estimate


def test_a_level_that_changes_every_day_as_routine_is_not_a_step() -> None:
    # Alternate days at 10 and 25 (fuel or shift routine): each change passes z and the 0.5
    # relative shift, but window-median differences of ±15 are this plant's usual spread.
    rng = np.random.default_rng(4)
    values = np.repeat([10.0, 25.0] * 10, 24) + rng.normal(0, 0.5, 480)
    found = step_change(hourly(480), values, valid(480), pollutant="so2", own_threshold=None)
    assert len(found) >= 15
    assert step_change(hourly(480), values, valid(480), pollutant="so2") == []
