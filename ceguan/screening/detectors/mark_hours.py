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
    daily check), over the series or in its typical week; none unless every hour at which the
    plant runs has ``min_days`` values.

    The typical week (version 3) is the median over :func:`block_shares`: a check that another
    problem overwrites for a stretch of days (a made-up series sending N through the check, on
    seed 3 of the bench a paper plant's 04 h check on 8 of 36 days) is still the plant's routine
    when most of its weeks have it, whereas marks kept up for some days fill only the weeks they
    cover.
    """
    n = np.bincount(hour[running], minlength=24)
    if (n[n > 0] < max(1, min_days)).any():
        return np.empty(0, dtype=np.int64)
    k = np.bincount(hour[marked], minlength=24)
    routine = (n > 0) & (k >= share * n)
    week = max(1, min_days)
    for h in np.flatnonzero((n >= 2 * week) & ~routine):  # one block: the series' share
        at_hour = running & (hour == h)
        routine[h] = float(np.median(block_shares(marked[at_hour], week))) >= share
    return np.flatnonzero(routine).astype(np.int64)


def block_shares(marks: Bools, size: int) -> Floats:
    """Share marked in each block of ``size`` consecutive values of one hour of the day (the
    last, shorter block joins the one before); one block when there are fewer than 2 · size.

    >>> block_shares(np.array([1, 1, 1, 0, 0, 0, 0, 1, 1, 1], bool), 3)
    array([1.  , 0.  , 0.75])
    """
    blocks = max(1, marks.size // size)
    which = np.minimum(np.arange(marks.size) // size, blocks - 1)
    return np.bincount(which, weights=marks, minlength=blocks) / np.bincount(
        which, minlength=blocks
    )


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
