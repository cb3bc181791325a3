"""``load_coupling_lost`` version 3: the slope z-test and its guards (issue 4)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.coupling import load_coupling_lost
from tests.screening import hourly, valid

SWING = np.array([50.0, 90, 40, 95, 45, 85] * 4)  # 24 h of a swinging load
WIGGLE = [1.0, 1.01, 0.99]  # the pollutant's own small noise, ±1 %


def test_a_window_whose_load_barely_moves_is_not_judged_by_chance() -> None:
    # 24 h coupled (v = 0.4 · load), then 12 h at a steady load (60 × 1.006, 0.997, 0.997)
    # with the pollutant steady too (24 × 1, 1.01, 0.99): the two patterns are orthogonal,
    # so r ≈ 0 and the slope ≈ 0 in those windows, but over a load spread of 0.4 % the
    # slope's standard error is ≈ 1 (sd of ln v 0.0082 / (2 · sd of ln load 0.0042)): z ≈ 1,
    # far under 4, and nothing is reported although the response "vanished".
    steady = 60.0 * np.array([1.006, 0.997, 0.997] * 4)
    load = np.r_[SWING, steady]
    values = np.r_[0.4 * SWING, 24.0 * np.array(WIGGLE * 4)]
    assert load_coupling_lost(hourly(36), values, valid(36), pollutant="so2", load=load,
                              window=6, min_windows=1) == []  # fmt: skip
    # the same 12 h made up while the load keeps swinging are reported
    load = np.r_[SWING, SWING[:12]]
    [e] = load_coupling_lost(hourly(36), values, valid(36), pollutant="so2", load=load,
                             window=6, min_windows=1)  # fmt: skip
    assert e.evidence["reference_slope"] == 1.0


def test_windows_far_from_the_usual_load_are_not_judged() -> None:
    # The last 12 h run at 1.5 times the load (ln shift 0.41 > max_load_shift 0.05), where the
    # pollutant sits at a floor (24 ± 1 %): a nonlinear response, not interference.
    load = np.r_[SWING, 1.5 * SWING[:12]]
    values = np.r_[0.4 * SWING, 24.0 * np.array(WIGGLE * 4)]
    assert load_coupling_lost(hourly(36), values, valid(36), pollutant="so2", load=load,
                              window=6, min_windows=1) == []  # fmt: skip
    found = load_coupling_lost(hourly(36), values, valid(36), pollutant="so2", load=load,
                               window=6, min_windows=1, max_load_shift=1.0)  # fmt: skip
    assert len(found) == 1
