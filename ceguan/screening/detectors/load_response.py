"""The load response of a pollutant over rolling windows, for ``load_coupling_lost`` (numpy).

Least squares of ``x = ln value`` on ``y = ln load`` per window from cumulative sums, and the
variance inflation of the slope when residuals and load are autocorrelated (AR(1)).
"""

from __future__ import annotations

import math

import numpy as np

from ceguan.screening.detectors._common import Bools, Floats, rolling_sums


def rolling_fit(
    x: Floats, y: Floats, ok: Bools, window: int, need: int
) -> tuple[Floats, Floats, Floats, Floats, Floats, Floats] | None:
    """Per full window of the ``ok`` pairs: slope of x on y, correlation, residual variance,
    count, variance and mean of y (population moments); NaN where fewer than ``need`` pairs
    or a side is constant. None when no window qualifies."""
    count, sx, sxx = rolling_sums(x, ok, window)
    _, sy, syy = rolling_sums(y, ok, window)
    cx = np.where(ok, x - x[ok].mean(), 0.0)
    cy = np.where(ok, y - y[ok].mean(), 0.0)
    total = np.concatenate(([0.0], np.cumsum(cx * cy)))
    sxy = total[window:] - total[:-window]
    n = np.maximum(count, 1.0)
    vx = sxx / n - (sx / n) ** 2
    vy = syy / n - (sy / n) ** 2
    cov = sxy / n - (sx / n) * (sy / n)
    tiny = 1e-12 * max(float(np.mean(cx[ok] ** 2)), float(np.mean(cy[ok] ** 2)))
    good = (count >= max(need, 3)) & (vx > tiny) & (vy > tiny)
    if not good.any():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(good, cov / vy, np.nan)
        r = np.where(good, np.clip(cov / np.sqrt(vx * vy), -1.0, 1.0), np.nan)
        residual = np.where(good, np.maximum(vx - slope * slope * vy, 0.0), np.nan)
    mean_y = np.where(good, sy / n + y[ok].mean(), np.nan)
    return slope, r, residual, count, np.where(good, vy, np.nan), mean_y


def _lag1(x: Floats, ok: Bools) -> float:
    """Lag-1 autocorrelation of the ``ok`` values of ``x`` over consecutive pairs, at least 0."""
    pair = ok[1:] & ok[:-1]
    if pair.sum() < 3:
        return 0.0
    a, b = x[:-1][pair], x[1:][pair]
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return max(0.0, float((a * b).sum()) / denominator) if denominator > 0 else 0.0


def ar1_inflation(residual: Floats, y: Floats, ok: Bools) -> float:
    """Variance inflation of a regression slope with AR(1) residuals and regressor:
    ``(1 + ρ_e ρ_y) / (1 − ρ_e ρ_y)`` (capped at 1000)."""
    rho = min(_lag1(residual, ok) * _lag1(y, ok), 0.999)
    return min((1.0 + rho) / (1.0 - rho), 1000.0)
