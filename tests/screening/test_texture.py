"""A pollutant that lost its process swings (rule ``process_swings_lost``)."""

from __future__ import annotations

import math

import numpy as np

from ceguan.screening.detectors.texture import process_swings_lost, rolling_lag1
from tests.screening import assert_registered, at, hourly, valid

# Small windows so the series stay short: 8 values a window, 4 windows a stretch.
SMALL = {"window": 8, "min_windows": 4, "z_threshold": 2.0}
SWING = 40 * np.exp(0.3 * np.sin(np.arange(60) / 3))  # slow swings: lag-1 0.45–0.76 over 8 values
MADE_UP = 40 * np.exp(0.05 * np.array([1.0, -1.0] * 12))  # around a set point, no swings


def test_rolling_lag1_by_hand() -> None:
    # [1, 2, 3, 4]: m = 2.5, v = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; centred pairs
    # (−1.5·−0.5) + (−0.5·0.5) + (0.5·1.5) = 0.75 − 0.25 + 0.75 = 1.25 over 3 pairs:
    # (1.25 / 3 − 0) / 1.25 = 1/3. The next window [2, 3, 4, 1]: m = 2.5, v = 1.25, pairs
    # (−0.5·0.5) + (0.5·1.5) + (1.5·−1.5) = −0.25 + 0.75 − 2.25 = −1.75: −1.75 / 3 / 1.25 = −7/15.
    x = np.array([1.0, 2, 3, 4, 1])
    got = rolling_lag1(x, np.ones(5, bool), 4, 3)
    assert np.allclose(got, [1 / 3, -7 / 15])
    # alternating values: every pair is −v → −1; a missing value breaks its two pairs
    alternating = np.array([1.0, -1] * 4)
    assert np.allclose(rolling_lag1(alternating, np.ones(8, bool), 8, 3), [-1.0])
    ok = np.ones(8, bool)
    ok[3] = False
    assert np.isnan(rolling_lag1(alternating, ok, 8, 6))  # 7 pairs − 2 = 5 < 6


def test_a_made_up_stretch_after_slow_swings_is_reported() -> None:
    values = np.r_[SWING[:36], MADE_UP]
    [e] = process_swings_lost(
        hourly(60), values, valid(60), pollutant="so2", load=np.full(60, 100.0), **SMALL
    )
    # The first window judged lost is the one whose 8 values begin 2 hours into the made-up
    # part at the latest; the stretch runs to the last value.
    assert e.end == at(59)
    assert at(34) <= e.start <= at(38)
    assert e.evidence["persistence"] == -1.0  # windows inside the made-up part alternate
    rho_ref = e.evidence["reference_persistence"]
    assert isinstance(rho_ref, float) and rho_ref >= 0.5
    # z of a window at ρ = −1 (clipped to −0.999), with 8 − 3 = 5 degrees of freedom
    z = (math.atanh(rho_ref) - math.atanh(-0.999)) * math.sqrt(5)
    assert abs(e.evidence["z_max"] - z) < 1e-3  # reference_persistence is rounded to 4 places
    assert e.evidence["reference_load_persistence"] is None  # a constant load has none
    assert e.evidence["reference_correlation"] is None
    assert_registered(e)


def test_a_series_that_never_swung_has_nothing_to_lose() -> None:
    values = np.r_[MADE_UP, MADE_UP, MADE_UP[:12]]
    load = np.full(60, 100.0)
    assert process_swings_lost(hourly(60), values, valid(60), pollutant="so2", load=load) == []
    assert (
        process_swings_lost(hourly(60), values, valid(60), pollutant="so2", load=load, **SMALL)
        == []
    )


def test_fast_noise_added_to_the_swings_is_not_a_loss_of_swings() -> None:
    # The same alternation, but 10 times wider: the spread grows, the swings are not lost.
    noisy = SWING[36:] * np.exp(0.5 * np.array([1.0, -1.0] * 12))
    values = np.r_[SWING[:36], noisy]
    load = np.full(60, 100.0)
    assert (
        process_swings_lost(hourly(60), values, valid(60), pollutant="so2", load=load, **SMALL)
        == []
    )


def test_where_the_load_changed_character_too_nothing_is_reported() -> None:
    load = np.r_[
        100 * np.exp(0.1 * np.sin(np.arange(36) / 3)), 100 * np.exp(0.1 * np.array([-1.0, 1] * 12))
    ]
    values = np.r_[SWING[:36], MADE_UP]
    found = process_swings_lost(hourly(60), values, valid(60), pollutant="so2", load=load, **SMALL)
    assert found == []
    # with the load's guard off, the same stretch is reported
    off = process_swings_lost(
        hourly(60), values, valid(60), pollutant="so2", load=load, **SMALL, load_keep=None
    )
    assert len(off) == 1


def test_stops_and_flagged_values_are_left_out() -> None:
    # The made-up part arrives while the load says stopped (≤ 0.2 × full load): not judged here
    # (a stop is reported_while_stopped's), and under flag F it is not judged either.
    load = np.r_[np.full(36, 100.0), np.full(24, 5.0)]
    values = np.r_[SWING[:36], MADE_UP]
    assert (
        process_swings_lost(hourly(60), values, valid(60), pollutant="so2", load=load, **SMALL)
        == []
    )
    flags = np.r_[valid(36), np.full(24, "F")]
    load = np.full(60, 100.0)
    assert process_swings_lost(hourly(60), values, flags, pollutant="so2", load=load, **SMALL) == []
