"""Hours of the day for ``marks_at_high_load`` (numpy): the plant's peak hours, its routine
check hours, and the test of marks recurring at one hour of the day."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ceguan.screening.detectors._common import Bools, Floats


def hour_of_day(t: NDArray[np.datetime64]) -> NDArray[np.int64]:
    return (t.astype("datetime64[h]").astype(np.int64) % 24).astype(np.int64)


def peak_hours(
    t: NDArray[np.datetime64],
    q: Floats,
    running: Bools,
    top_share: float,
    min_contrast: float,
    min_days: int,
) -> NDArray[np.int64] | None:
    """The hours of the day (UTC) with the highest mean running load, or None if the plant
    has no such peak (its peak hours' mean load within ``min_contrast`` of the rest) or some
    hour of the day has fewer than ``min_days`` running values."""
    hour = hour_of_day(t)[running]
    counts = np.bincount(hour, minlength=24)
    if (counts < max(1, min_days)).any():
        return None
    mean = np.bincount(hour, weights=q[running], minlength=24) / counts
    n = max(1, round(24 * top_share))
    peak = np.sort(np.argsort(mean)[-n:])
    others = np.setdiff1d(np.arange(24), peak)
    rest = float(mean[others].mean())
    if rest <= 0 or float(mean[peak].mean()) < (1.0 + min_contrast) * rest:
        return None
    return peak


def routine_hours(
    hour: NDArray[np.int64], running: Bools, marked: Bools, min_days: int, share: float
) -> NDArray[np.int64]:
    """Hours of the day marked on at least ``share`` of their running values (a scheduled
    daily check), when every hour at which the plant runs has ``min_days`` values; else none."""
    n = np.bincount(hour[running], minlength=24)
    if (n[n > 0] < max(1, min_days)).any():
        return np.empty(0, dtype=np.int64)
    k = np.bincount(hour[marked], minlength=24)
    return np.flatnonzero((n > 0) & (k >= share * n)).astype(np.int64)


def hour_test(
    hour: NDArray[np.int64],
    q: Floats,
    running: Bools,
    marked: Bools,
    min_contrast: float,
    min_days: int,
    min_marked: int,
) -> tuple[float, int, int, int, int] | None:
    """(p_hour, hour, n_h, k_h, hours judged) of the hour-of-day test; None when it cannot run
    (an hour of the day, routine hours aside, with fewer than ``min_days`` running values)."""
    h_run = hour[running]
    n = np.bincount(h_run, minlength=24)
    present = n > 0
    if (n[present] < max(1, min_days)).any() or present.sum() < 2:
        return None
    mean = np.bincount(h_run, weights=q[running], minlength=24)[present] / n[present]
    hours = np.flatnonzero(present)
    judged = hours[mean >= (1.0 - min_contrast) * float(mean.mean())]
    if judged.size == 0:  # not reached with finite loads: the busiest hour is above the mean
        return None
    k = np.bincount(hour[marked], minlength=24)
    n_all, k_all = int(running.sum()), int(marked.sum())
    best = (1.0, int(judged[0]) if judged.size else 0, 0, 0)
    log_factorials = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1.0, n_all + 1)))))
    for h in judged:
        if k[h] < min_marked:
            continue
        p_h = _hypergeom_tail(int(k[h]), n_all, k_all, int(n[h]), log_factorials)
        if p_h < best[0]:
            best = (p_h, int(h), int(n[h]), int(k[h]))
    p_h, h, n_h, k_h = best
    return min(1.0, judged.size * p_h), h, n_h, k_h, int(judged.size)


def _hypergeom_tail(k: int, population: int, successes: int, draws: int, lf: Floats) -> float:
    """``hypergeom_sf`` (P[X ≥ k]) with the log-factorial table ``lf`` computed once per series
    instead of once per hour (24 tables of 43,200 logs cost 10 ms on minute data)."""
    top = min(successes, draws)
    if k <= max(0, draws - (population - successes)):
        return 1.0
    if k > top:
        return 0.0
    i = np.arange(k, top + 1)
    logpmf = (
        lf[successes] - lf[i] - lf[successes - i]
        + lf[population - successes] - lf[draws - i] - lf[population - successes - draws + i]
        - (lf[population] - lf[draws] - lf[population - draws])
    )  # fmt: skip
    return float(min(1.0, np.exp(np.logaddexp.reduce(logpmf))))
