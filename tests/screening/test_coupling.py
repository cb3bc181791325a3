"""Pollutant decoupled from load (rules ``load_coupling_lost``, ``flat_while_load_swings``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.coupling import flat_while_load_swings, load_coupling_lost
from tests.screening import assert_registered, at, hourly, valid

LOAD = [50.0, 90, 40, 95, 45, 85] * 2
FOLLOWS = [20.0, 36, 16, 38, 18, 34]  # 0.4 · load: r = 1
OPPOSES = [30.0, 24, 33, 22, 31, 25]  # against the load


def test_it_reports_the_hours_where_the_pollutant_stops_following_the_load() -> None:
    # Windows of 6: r = 1.00, 0.91, 0.73, 0.37, −0.12, −0.64, −0.99; reference 0.95 − drop 0.5
    # = 0.45, so windows 3–6 (values 03:00–11:00) have lost the coupling.
    [e] = load_coupling_lost(
        hourly(12),
        FOLLOWS + OPPOSES,
        valid(12),
        pollutant="so2",
        load=LOAD,
        reference_correlation=0.95,
        window=6,
        min_windows=1,
    )
    assert (e.start, e.end) == (at(3), at(11))
    assert e.evidence["reference_correlation"] == 0.95
    # The median over windows 3–6: (−0.12045 − 0.63560) / 2.
    assert e.evidence["correlation"] == pytest.approx((-0.12045 - 0.63560) / 2, abs=1e-3)
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
    # The first example with the plant stopped (F) for hours 6–9: the windows skip the stop,
    # so the result is the same on the running values (03:00 … 15:00 = old 03:00 … 11:00).
    values = FOLLOWS + [np.nan] * 4 + OPPOSES
    load = LOAD[:6] + [0.3] * 4 + LOAD[6:]
    flags = ["N"] * 6 + ["F"] * 4 + ["N"] * 6
    [e] = load_coupling_lost(hourly(16), values, flags, pollutant="so2", load=load,
                             reference_correlation=0.95, window=6, min_windows=1)  # fmt: skip
    assert (e.start, e.end) == (at(3), at(15))
    assert e.evidence["correlation"] == pytest.approx((-0.12045 - 0.63560) / 2, abs=1e-3)


def test_the_own_reference_is_the_chosen_quantile_of_the_correlations() -> None:
    # 30 values, windows of 6: coupled for 12 values, then anti-correlated (60 − v) for 18.
    # The 25 windows' r: seven of 1.0, 0.69, 0.49, −0.11, −0.44, −0.95, then thirteen of −1.0;
    # the median (−1.0, the default) is under min_reference: nothing; the upper quartile
    # (rank 19 of 25) is 1.0: the anti-correlated stretch is reported.
    values = FOLLOWS * 2 + [60.0 - v for v in FOLLOWS] * 3
    load = LOAD * 2 + LOAD[:6]
    kw = {"pollutant": "so2", "load": load, "window": 6, "min_windows": 1}
    assert load_coupling_lost(hourly(30), values, valid(30), **kw) == []
    found = load_coupling_lost(hourly(30), values, valid(30), reference_quantile=0.75, **kw)
    assert [e.evidence["reference_correlation"] for e in found] == [1.0]
