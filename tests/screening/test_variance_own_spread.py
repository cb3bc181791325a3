"""``low_variance`` version 2: a smooth stretch is judged against the series' own spread of CVs.

Windows of 2 values make each window's CV a function of one ratio: for ``(a, a·r)`` the
population sd is ``a·|r − 1| / 2`` and the mean ``a·(r + 1) / 2``, so ``cv = |r − 1| / (r + 1)``
and ``r = (1 + cv) / (1 − cv)`` gives a window of any CV.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ceguan.screening.detectors.variance import MAD_TO_SIGMA, low_variance, own_log_spread
from tests.screening import assert_registered, at, hourly, valid

SMOOTH = 0.0005  # cv of a window (a, a · 1.0010005)


def series(cvs: list[float]) -> np.ndarray:
    """Values whose consecutive pairs have the given CVs (ratios alternate up and down)."""
    x = [10.0]
    for i, cv in enumerate(cvs):
        r = (1 + cv) / (1 - cv)
        x.append(x[-1] * (r if i % 2 == 0 else 1 / r))
    return np.array(x)


# 20 windows: 6 of cv 0.1, 3 smooth (windows 6–8, values 6–9), 5 of 0.2, 6 of 0.4.
CVS = [0.1] * 6 + [SMOOTH] * 3 + [0.2] * 5 + [0.4] * 6


def test_own_log_spread_is_the_robust_sd_of_ln_cv() -> None:
    # ln cv of the 17 other windows: 6 × ln 0.1, 5 × ln 0.2, 6 × ln 0.4; median ln 0.2;
    # deviations 5 × 0 and 12 × ln 2, median ln 2; s = 1.4826 · 0.693147 = 1.02766.
    cv = np.array([0.1] * 6 + [0.2] * 5 + [0.4] * 6)
    s = own_log_spread(cv, np.ones(17, dtype=bool), 2)
    assert s == pytest.approx(MAD_TO_SIGMA * math.log(2), rel=1e-12)
    assert s == pytest.approx(1.02766, abs=1e-5)
    assert np.isnan(own_log_spread(cv, np.ones(17, dtype=bool), 18))  # too few windows


def test_a_stretch_beyond_the_series_own_spread_is_reported() -> None:
    # Reference: median of the 20 moving windows' CVs = 0.2 (10th and 11th sorted are 0.2).
    # Ratio test: cv < 0.25 · 0.2 = 0.05 passes the 3 smooth windows only. Own test:
    # ln 0.2 − ln 0.0005 = ln 400 = 5.9915 ≥ 4 · 1.02766 = 4.1106: reported, values 6–9.
    x = series(CVS)
    [e] = low_variance(hourly(21), x, valid(21), pollutant="so2", window=2, min_windows=2)
    assert (e.start, e.end) == (at(6), at(9))
    assert e.evidence["n_windows"] == 3
    assert e.evidence["reference_cv"] == pytest.approx(0.2, abs=1e-6)
    assert e.evidence["own_log_cv_sd"] == pytest.approx(1.02766, abs=1e-5)
    assert_registered(e)


def test_a_stretch_within_the_series_own_spread_is_not_reported() -> None:
    # With own_threshold 6: 6 · 1.02766 = 6.166 > 5.9915, so the smooth windows are within
    # what this series' own CVs do; without the test (None) version 1 reports them.
    x = series(CVS)
    kwargs = {"pollutant": "so2", "window": 2, "min_windows": 2}
    assert low_variance(hourly(21), x, valid(21), own_threshold=6.0, **kwargs) == []
    [e] = low_variance(hourly(21), x, valid(21), own_threshold=None, **kwargs)
    assert e.evidence["own_log_cv_sd"] is None


def test_with_too_few_other_windows_only_the_ratio_applies() -> None:
    # 3 smooth windows and 2 others (cv 0.2, 0.4): fewer than min_windows = 3 others, so no
    # own spread; reference = median of 0.0005 ×3, 0.2, 0.4 = 0.0005: nothing is 4× smoother.
    # With the reference given as 0.3: cv 0.0005 < 0.075, reported on the ratio alone.
    x = series([SMOOTH] * 3 + [0.2, 0.4])
    kwargs = {"pollutant": "so2", "window": 2, "min_windows": 3}
    assert low_variance(hourly(6), x, valid(6), **kwargs) == []
    [e] = low_variance(hourly(6), x, valid(6), reference_cv=0.3, **kwargs)
    assert (e.evidence["n_windows"], e.evidence["own_log_cv_sd"]) == (3, None)
