"""Clock drift (rule ``clock_drift``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.clock import clock_drift
from tests.screening import assert_registered

DAYS = np.arange("2026-01-01", "2026-01-11", dtype="datetime64[D]").astype("datetime64[s]")
SECOND = np.timedelta64(1, "s")


def test_it_measures_a_clock_that_loses_thirty_seconds_a_day() -> None:
    # Delay 60 s on day 0, growing 30 s a day: 330 s on day 9; drift 30 · 9 = 270 s.
    received = DAYS + (60 + 30 * np.arange(10)) * SECOND
    [e] = clock_drift(DAYS, received)
    assert e.evidence == {
        "slope_s_per_day": 30.0,
        "offset_start_s": 60.0,
        "offset_end_s": 330.0,
        "drift_s": 270.0,
        "r2": 1.0,
        "n_days": 10,
    }
    assert (e.start, e.end, e.pollutant) == (DAYS[0], DAYS[-1], "")
    assert e.score == 270.0
    assert_registered(e)


def test_a_clock_that_gains_time_has_a_negative_slope() -> None:
    received = DAYS + (600 - 30 * np.arange(10)) * SECOND
    [e] = clock_drift(DAYS, received)
    assert e.evidence["slope_s_per_day"] == -30.0


def test_the_daily_minimum_ignores_late_batches() -> None:
    # Hourly data; each day's delays are 60 s + drift, except a few values re-sent hours late.
    rng = np.random.default_rng(4)
    times = np.datetime64("2026-01-01T00", "s") + np.arange(240) * np.timedelta64(1, "h")
    day = np.arange(240) // 24
    delay = 60 + 30 * day + rng.integers(0, 40, 240)
    delay[rng.choice(240, 20, replace=False)] += 7200
    [e] = clock_drift(times, times + delay * SECOND)
    assert e.evidence["slope_s_per_day"] == pytest.approx(30.0, abs=3.0)


def test_a_constant_delay_is_not_drift() -> None:
    assert clock_drift(DAYS, DAYS + 90 * SECOND) == []


def test_small_or_unsteady_drift_is_not_reported() -> None:
    small = DAYS + (60 + 2 * np.arange(10)) * SECOND  # 2 s a day
    assert clock_drift(DAYS, small) == []
    rng = np.random.default_rng(9)
    jumpy = DAYS + rng.integers(0, 900, 10) * SECOND  # no trend
    assert clock_drift(DAYS, jumpy) == []


def test_it_needs_min_days_of_data() -> None:
    received = DAYS[:2] + np.array([0, 500]) * SECOND
    assert clock_drift(DAYS[:2], received) == []


def test_it_ignores_unknown_receive_times_and_empty_series() -> None:
    assert clock_drift(DAYS, np.full(10, np.datetime64("NaT"), dtype="datetime64[s]")) == []
    assert clock_drift(DAYS[:0], DAYS[:0]) == []
