"""O2 plausibility (rules ``o2_pinned``, ``o2_load_correlation``, ``o2_ambient_while_running``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.ambient import o2_ambient_while_running
from ceguan.screening.detectors.oxygen import o2_load_correlation, o2_pinned
from tests.screening import assert_registered, at, hourly, valid

SWINGING = [50.0, 90.0, 40.0, 95.0, 45.0, 85.0]  # load cv = 0.33


def test_it_reports_o2_held_within_a_tenth_while_the_load_swings() -> None:
    o2 = [6.0, 6.1, 6.0, 6.05, 6.0, 6.1]  # band 0.1 ≤ 0.2
    [e] = o2_pinned(hourly(6), o2, valid(6), load=SWINGING, window=6)
    assert (e.start, e.end) == (at(0), at(5))
    assert e.pollutant == "o2"
    assert e.evidence["o2_band_max"] == pytest.approx(0.1)
    assert e.evidence["o2_mean"] == pytest.approx(36.25 / 6, abs=1e-4)
    assert e.evidence["load_cv"] == pytest.approx(np.std(SWINGING) / np.mean(SWINGING), abs=1e-4)
    assert_registered(e)


def test_a_day_shift_plant_is_judged_on_its_running_hours() -> None:
    # Running 3 h, stopped 3 h (flag F, air in the duct), twice over: a 6-value window on the
    # grid holds 3 valid O2 values (< 0.75 × 6), so only the running rows, joined, are judged:
    # 6.0, 6.1, 6.0 | 6.05, 6.0, 6.1 under SWINGING (band 0.1, load cv 0.33).
    o2 = [6.0, 6.1, 6.0, 20.8, 20.9, 20.8, 6.05, 6.0, 6.1, 20.9, 20.8, 20.9]
    load = SWINGING[:3] + [2.0] * 3 + SWINGING[3:] + [2.0] * 3
    flags = ["N"] * 3 + ["F"] * 3 + ["N"] * 3 + ["F"] * 3
    [e] = o2_pinned(hourly(12), o2, flags, load=load, window=6)
    assert (e.start, e.end) == (at(0), at(8))
    assert e.evidence["n_values"] == 6
    assert e.evidence["o2_band_max"] == pytest.approx(0.1)
    assert e.evidence["load_cv"] == pytest.approx(np.std(SWINGING) / np.mean(SWINGING), abs=1e-4)
    # a stop the device forgot to flag is read from the load: full load = 90th percentile of the
    # 12 loads, 85 + 0.9 × (90 − 85) = 89.5; stopped at ≤ 0.2 × 89.5 = 17.9
    assert len(o2_pinned(hourly(12), o2, valid(12), load=load, window=6)) == 1


def test_steady_o2_under_a_steady_load_is_not_pinned() -> None:
    o2 = [6.0, 6.1, 6.0, 6.05, 6.0, 6.1]
    assert o2_pinned(hourly(6), o2, valid(6), load=[70.0] * 6, window=6) == []


def test_o2_that_moves_is_not_pinned() -> None:
    o2 = [6.0, 5.2, 6.4, 5.0, 6.3, 5.4]
    assert o2_pinned(hourly(6), o2, valid(6), load=SWINGING, window=6) == []


def test_o2_rising_with_the_load_is_inconsistent() -> None:
    o2 = [6.0, 9.0, 5.5, 9.5, 6.0, 8.5]
    [e] = o2_load_correlation(hourly(6), o2, valid(6), load=SWINGING, window=6, min_windows=1)
    assert e.evidence["correlation"] == pytest.approx(np.corrcoef(o2, SWINGING)[0, 1], abs=1e-4)
    assert_registered(e)


def test_o2_falling_with_the_load_is_normal_combustion() -> None:
    o2 = [9.0, 5.5, 9.5, 5.0, 9.2, 6.0]
    assert (
        o2_load_correlation(hourly(6), o2, valid(6), load=SWINGING, window=6, min_windows=1) == []
    )


def test_it_needs_min_windows_consecutive_windows() -> None:
    o2 = [6.0, 9.0, 5.5, 9.5, 6.0, 8.5]
    assert o2_load_correlation(hourly(6), o2, valid(6), load=SWINGING, window=6) == []


def test_it_reports_ambient_air_o2_while_running() -> None:
    o2 = [8.0, 20.8, 20.9, 20.7, 8.1]
    [e] = o2_ambient_while_running(hourly(5), o2, valid(5), load=[70.0] * 5)
    assert (e.start, e.end) == (at(1), at(3))
    assert e.evidence == {"n_values": 3, "o2_mean": 20.8, "o2_max": 20.9, "mean_load": 70.0}
    assert_registered(e)


def test_ambient_o2_during_a_stop_is_normal() -> None:
    o2 = [20.9] * 4
    assert o2_ambient_while_running(hourly(4), o2, valid(4), load=[0.0] * 4) == []
    assert o2_ambient_while_running(hourly(4), o2, ["F"] * 4, load=[50.0] * 4) == []


@pytest.mark.parametrize("detector", [o2_pinned, o2_load_correlation, o2_ambient_while_running])
def test_it_reports_nothing_for_empty_or_missing_series(detector) -> None:  # type: ignore[no-untyped-def]
    assert detector(hourly(0), [], [], load=[]) == []
    assert detector(hourly(30), [np.nan] * 30, valid(30), load=[50.0] * 30) == []
