"""Pollutant decoupled from load (rules ``load_coupling_lost``, ``flat_while_load_swings``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.coupling import flat_while_load_swings, load_coupling_lost
from tests.screening import assert_registered, at, hourly, valid

LOAD = [50.0, 90, 40, 95, 45, 85] * 2
FOLLOWS = [20.0, 36, 16, 38, 18, 34]  # 0.4 · load: r = 1
OPPOSES = [30.0, 24, 33, 22, 31, 25]  # against the load


# Version 3 (issue 4): 36 hourly values, 24 proportional to the load, then 12 made up.
LOAD36 = np.array([50.0, 90, 40, 95, 45, 85] * 6)
MADE_UP = [27.0, 27.4, 26.7] * 4
PROPORTIONAL_THEN_MADE_UP = np.r_[0.4 * LOAD36[:24], MADE_UP]


def test_it_reports_the_hours_where_the_pollutant_stops_following_the_load() -> None:
    # ln v = ln 0.4 + ln load on values 0–23: the 19 windows of 6 inside them have slope 1
    # and r 1, so the medians over the 31 windows are 1 (reference slope and correlation).
    # The load alternates (lag-1 autocorrelation < 0, taken as 0): no variance inflation.
    # The first window that has lost the coupling is k = 23 (values 23–28), the last k = 30.
    [e] = load_coupling_lost(hourly(36), PROPORTIONAL_THEN_MADE_UP, valid(36), pollutant="so2",
                             load=LOAD36, window=6, min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(23), at(35))
    assert e.evidence["reference_correlation"] == 1.0
    assert e.evidence["reference_slope"] == 1.0
    assert e.evidence["variance_inflation"] == 1.0
    # Window 30 by hand (population moments): x = ln v, y = ln load.
    x, y = np.log(MADE_UP[6:]), np.log(LOAD36[30:])
    b = np.mean((x - x.mean()) * (y - y.mean())) / np.var(y)
    se = np.sqrt((np.var(x) - b * b * np.var(y)) / ((6 - 2) * np.var(y)))
    assert abs(b) < 0.5 and (1.0 - b) / se >= 4.0  # at most half the response, z ≥ 4
    assert e.evidence["z_max"] >= (1.0 - b) / se - 1e-3
    assert_registered(e)


def test_a_facility_whose_pollutant_never_followed_the_load_reports_nothing() -> None:
    rng = np.random.default_rng(5)
    values = 30 + rng.normal(0, 3, 12)
    assert (
        load_coupling_lost(
            hourly(12), values, valid(12), pollutant="so2", load=LOAD, window=6, min_windows=1
        )
        == []
    )


def test_the_reference_defaults_to_the_series_own_median_correlation() -> None:
    values = FOLLOWS * 4 + OPPOSES  # mostly coupled, then not
    load = LOAD * 2 + LOAD[:6]
    [e] = load_coupling_lost(
        hourly(30), values, valid(30), pollutant="so2", load=load, window=6, min_windows=1
    )
    assert e.evidence["reference"] == "own history"
    assert e.evidence["reference_correlation"] == pytest.approx(1.0)
    assert e.end == at(29)


def test_it_reports_a_flat_pollutant_while_the_load_swings() -> None:
    values = [25.0, 25.1, 25.0, 25.1, 25.0, 25.1]  # cv = 0.002
    [e] = flat_while_load_swings(
        hourly(6),
        values,
        valid(6),
        pollutant="so2",
        load=[30.0, 90, 30, 90, 30, 90],
        window=6,
        min_windows=1,
        max_ratio=None,  # the window alone: no history to compare with
    )
    assert e.evidence["load_cv"] == 0.5  # std 30 / mean 60
    assert e.evidence["cv"] == pytest.approx(0.05 / 25.05, abs=1e-4)
    assert_registered(e)


def test_a_flat_pollutant_under_a_steady_load_is_normal() -> None:
    values = [25.0, 25.1, 25.0, 25.1, 25.0, 25.1]
    assert (
        flat_while_load_swings(
            hourly(6), values, valid(6), pollutant="so2", load=[60.0] * 6, window=6, min_windows=1
        )
        == []
    )


@pytest.mark.parametrize("detector", [load_coupling_lost, flat_while_load_swings])
def test_it_reports_nothing_for_empty_or_missing_series(detector) -> None:  # type: ignore[no-untyped-def]
    assert detector(hourly(0), [], [], pollutant="so2", load=[]) == []
    assert detector(hourly(30), [np.nan] * 30, valid(30), pollutant="so2", load=[5.0] * 30) == []


def test_a_pollutant_that_is_always_this_steady_is_not_flat_for_it() -> None:
    # 48 h, load swinging 30/90 all along. SO2 moves ±1 % (cv 0.01 < max_cv 0.02) all along:
    # its usual CV is that small, so nothing is flagged; frozen (±0.1 %) for hours 24–35, the
    # CV falls to a tenth of the usual one: that stretch is flagged.
    n = 48
    load = [30.0, 90.0] * (n // 2)
    steady = [25.0 * (1 + 0.01 * (-1) ** k) for k in range(n)]
    assert flat_while_load_swings(hourly(n), steady, valid(n), pollutant="so2", load=load,
                                  window=6, min_windows=1) == []  # fmt: skip
    frozen = list(steady)
    frozen[24:36] = [25.0 * (1 + 0.001 * (-1) ** k) for k in range(12)]
    [e] = flat_while_load_swings(hourly(n), frozen, valid(n), pollutant="so2", load=load,
                                 window=6, min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(24), at(35))
    assert e.evidence["usual_cv"] == 0.01


def test_windows_run_over_the_running_values_of_a_plant_that_stops() -> None:
    # The first example with the plant stopped for hours 12–15 (F, load 0.3): the windows skip
    # the stop, so the result is the same on the running values (old 23:00 … 11:00 lie 4 h on).
    values = np.r_[PROPORTIONAL_THEN_MADE_UP[:12], [np.nan] * 4, PROPORTIONAL_THEN_MADE_UP[12:]]
    load = np.r_[LOAD36[:12], [0.3] * 4, LOAD36[12:]]
    flags = ["N"] * 12 + ["F"] * 4 + ["N"] * 24
    [e] = load_coupling_lost(hourly(40), values, flags, pollutant="so2", load=load, window=6,
                             min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(27), at(39))
    # The same stop flagged N by the device (a made-up series keeps sending): the load says the
    # plant is stopped (0.3 ≤ 0.2 × median 50), so those hours are left out all the same.
    values_n = np.r_[PROPORTIONAL_THEN_MADE_UP[:12], [27.0] * 4, PROPORTIONAL_THEN_MADE_UP[12:]]
    [e] = load_coupling_lost(hourly(40), values_n, ["N"] * 40, pollutant="so2", load=load,
                             window=6, min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(27), at(39))


def test_a_negative_coupling_is_judged_too() -> None:
    # CO falls as the load rises: v = 2000 / load, ln v = ln 2000 − ln load (slope −1, r −1).
    # Version 2 needed a reference ≥ 0.5 and never judged it; version 3 judges |r|.
    values = np.r_[2000.0 / LOAD36[:24], MADE_UP]
    [e] = load_coupling_lost(hourly(36), values, valid(36), pollutant="co", load=LOAD36,
                             window=6, min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(23), at(35))
    assert (e.evidence["reference_correlation"], e.evidence["reference_slope"]) == (-1.0, -1.0)
