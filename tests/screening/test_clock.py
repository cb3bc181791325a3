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


def test_a_drift_of_days_inside_a_longer_series_is_found_by_the_sliding_fit() -> None:
    # 20 days of hourly data, delay 30 s; from day 8 to the end of day 12 the clock is set
    # 300 s wrong and then loses 10 s an hour (240 s a day) until the platform resets it.
    # Over the whole series this is a bend, not a line: the old single fit saw nothing.
    hours = np.arange(20 * 24)
    times = np.datetime64("2026-01-01T00", "s") + hours * np.timedelta64(1, "h")
    inside = (hours >= 8 * 24) & (hours < 13 * 24)
    delay = np.where(inside, 30 + 300 + 10 * (hours - 8 * 24), 30)
    [e] = clock_drift(times, times + delay * SECOND)
    # the windows that straddle the reset also hold flat bins before it; they are trimmed
    assert (e.start, e.end) == (times[8 * 24], times[13 * 24 - 1])
    # 6-hour minima: 330 s at day 8 00:00, +60 s a bin, last bin day 12 18:00 (hour 306 of the
    # series, 114 h into the drift): 330 + 1140 = 1470 s; 4.75 days × 240 s = 1140 s of drift
    assert e.evidence == {
        "slope_s_per_day": 240.0,
        "offset_start_s": 330.0,
        "offset_end_s": 1470.0,
        "drift_s": 1140.0,
        "r2": 1.0,
        "n_days": 5,
    }
    # without the drift: nothing; the drift alone for fewer hours than the window: nothing
    assert clock_drift(times, times + 30 * SECOND) == []
    short = (hours >= 8 * 24) & (hours < 8 * 24 + 12)
    delay = np.where(short, 30 + 10 * (hours - 8 * 24), 30)
    assert clock_drift(times, times + delay * SECOND) == []


def test_the_sliding_fit_ignores_jitter_without_a_trend() -> None:
    rng = np.random.default_rng(11)
    hours = np.arange(30 * 24)
    times = np.datetime64("2026-01-01T00", "s") + hours * np.timedelta64(1, "h")
    delay = 30 + rng.integers(0, 120, hours.size)  # up to 2 min of upload jitter
    delay[rng.choice(hours.size, 40, replace=False)] += 3 * 3600  # and some late batches
    assert clock_drift(times, times + delay * SECOND) == []
