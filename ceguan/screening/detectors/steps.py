"""Level shifts (突变): robust two-window median steps (also used by ``inspection``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Floats,
    Index,
    Times,
    at,
    rounded,
    runs,
)
from ceguan.screening.detectors.level_guards import prepare_series, usual_sd
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

STEP = "step_change"
VERSION = 2  # 2: load normalisation and the own-spread test (issue 4)
MAD_TO_SIGMA = 1.4826  # σ = 1.4826 · MAD for normal data
MEDIAN_SE = float(np.sqrt(np.pi / 2))  # SE of a median of w values = 1.2533 · σ / √w
Z_CAP = 1000.0  # a step between two perfectly flat levels has z = ∞; reported as this


@dataclass(frozen=True)
class Steps:
    """Steps found in a series: per step, its index and the levels either side (``find_steps``)."""

    index: Index  # first value at the new level
    before: Floats
    after: Floats
    z: Floats
    sigma: Floats
    load_before: Floats
    load_after: Floats
    usual_sd: float = np.nan  # robust sd of the series' own window-median differences


def _median_sorted(rows: Floats, count: Index) -> Floats:
    """Median of each row of an ascending-sorted matrix whose first ``count`` entries are data."""
    pick = np.arange(rows.shape[0])
    lo, hi = np.maximum((count - 1) // 2, 0), np.maximum(count // 2, 0)
    return np.where(count > 0, 0.5 * (rows[pick, lo] + rows[pick, hi]), np.nan)


def _window_stats(x: Floats, starts: Index, window: int) -> tuple[Floats, Floats, Index]:
    """Median, MAD and count of the finite values of the windows ``x[k … k + window − 1]``."""
    w = sliding_window_view(x, window)[starts]
    count = np.count_nonzero(~np.isnan(w), axis=1)
    med = _median_sorted(np.sort(w, axis=1), count)
    mad = _median_sorted(np.sort(np.abs(w - med[:, None]), axis=1), count)
    return med, mad, count


def _relative(before: Floats, after: Floats) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(after - before) / np.maximum(np.abs(before), np.abs(after))


def _judge(
    x: Floats, change: Index, window: int, threshold: float, min_shift: float, share: float
) -> tuple[Floats, Floats, Floats, Floats, NDArray[np.bool_]]:
    """Levels either side of each change point, z, σ̂, and whether it passes the thresholds."""
    before, mad_b, count_b = _window_stats(x, change - window, window)
    after, mad_a, count_a = _window_stats(x, change, window)
    sigma = MAD_TO_SIGMA * np.sqrt(0.5 * (mad_b**2 + mad_a**2))
    se = MEDIAN_SE * sigma * np.sqrt(2.0 / window)
    shift = np.abs(after - before)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, shift / se, np.where(shift > 0, np.inf, 0.0))
    enough = (count_b >= share * window) & (count_a >= share * window)
    passed = enough & (z >= threshold) & (_relative(before, after) >= min_shift)
    return before, after, z, sigma, passed


def _stride(window: int) -> int:
    """Spacing of the coarse grid of change points: a divisor of ``window`` near window / 8.

    A step passes the test at every change point within about ``window / 2`` of it, so the
    coarse grid cannot miss one; the step is then located at full resolution.
    """
    stride = max(1, window // 8)
    while window % stride:
        stride -= 1
    return stride


def find_steps(
    x: Floats,
    load: Floats | None,
    *,
    window: int,
    threshold: float,
    min_relative_shift: float,
    max_load_shift: float,
    min_valid_share: float = 0.75,
    own_threshold: float | None = None,
) -> Steps:
    """Steps of ``x`` (NaN = not used) by the formula of ``step_change``; see its docstring.

    ``own_threshold``: a step must also exceed this many times the series' own usual spread of
    window-median differences (:func:`level_guards.usual_sd`); None: no such test.
    """
    n = x.size
    empty = np.empty(0)
    nothing = Steps(np.empty(0, dtype=np.intp), empty, empty, empty, empty, empty, empty)
    if window < 2 or n < 2 * window:
        return nothing
    stride = _stride(window)
    coarse = np.arange(window, n - window + 1, stride)
    args = (window, threshold, min_relative_shift, min_valid_share)
    b_coarse, a_coarse, z_coarse, _, passed = _judge(x, coarse, *args)
    usual = usual_sd(b_coarse, a_coarse) if own_threshold is not None else np.nan

    def unusual(before: Floats, after: Floats) -> NDArray[np.bool_]:
        if own_threshold is None or not np.isfinite(usual):
            return np.ones(before.size, dtype=bool)
        return np.abs(after - before) >= own_threshold * usual

    passed &= unusual(b_coarse, a_coarse)
    # Locate each run of passing points at the largest difference of window means (a single
    # clean step maximises it exactly at the change; medians are flat near it).
    sums = np.concatenate(([0.0], np.cumsum(np.nan_to_num(x))))
    cnt = np.concatenate(([0], np.cumsum(~np.isnan(x))))
    win_mean = (sums[window:] - sums[:-window]) / np.maximum(cnt[window:] - cnt[:-window], 1)
    mean_gap = np.abs(win_mean[window:] - win_mean[: n - 2 * window + 1])  # index i − window
    picks, fallback = [], []
    for s, e in zip(*runs(passed), strict=True):
        lo = max(int(coarse[s]) - stride + 1, window)
        hi = min(int(coarse[e]) + stride - 1, n - window)
        picks.append(lo + int(np.argmax(mean_gap[lo - window : hi - window + 1])))
        fallback.append(int(coarse[s + int(np.argmax(z_coarse[s : e + 1]))]))
    if not picks:
        return nothing
    index = np.array(picks, dtype=np.intp)
    b_here, a_here, _, _, passed_here = _judge(x, index, *args)
    passed_here &= unusual(b_here, a_here)
    index = np.unique(np.where(passed_here, index, np.array(fallback, dtype=np.intp)))
    before, after, z, sigma, ok = _judge(x, index, *args)
    ok &= unusual(before, after)
    index, before, after, z, sigma = (a[ok] for a in (index, before, after, z, sigma))
    load_before = load_after = np.full(index.size, np.nan)
    if load is not None:
        load_before = _window_stats(load, index - window, window)[0]
        load_after = _window_stats(load, index, window)[0]
        keep = ~(_relative(load_before, load_after) >= max_load_shift)  # NaN load keeps it
        index, before, after, z, sigma = (a[keep] for a in (index, before, after, z, sigma))
        load_before, load_after = load_before[keep], load_after[keep]
    return Steps(index, before, after, z, sigma, load_before, load_after, usual)


def step_evidence(
    t: Times, steps: Steps, k: int, window: int, profile_removed: bool
) -> dict[str, EvidenceValue]:
    b, a = float(steps.before[k]), float(steps.after[k])
    out: dict[str, EvidenceValue] = {
        "change_time": at(t, steps.index[k]),
        "level_before": rounded(b),
        "level_after": rounded(a),
        "shift": rounded(a - b),
        "relative_shift": rounded((a - b) / max(abs(a), abs(b)), 4),
        "z": rounded(min(float(steps.z[k]), Z_CAP), 3),
        "robust_sigma": rounded(steps.sigma[k]),
        "window": window,
        "daily_profile_removed": profile_removed,
    }
    if np.isfinite(steps.usual_sd):
        out["usual_shift_sd"] = rounded(steps.usual_sd)
    if np.isfinite(steps.load_before[k]):
        out["load_before"] = rounded(steps.load_before[k])
        out["load_after"] = rounded(steps.load_after[k])
    return out


@register(
    STEP,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据水平突变",
    title_en="Level shift",
    source=f"{STATISTICAL}: two-window median difference relative to the pooled MAD",
)
def step_change(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike | None = None,
    window: int = 24,
    threshold: float = 5.0,
    min_relative_shift: float = 0.5,
    max_load_shift: float = 0.1,
    period: int | None = 24,
    min_load_pairs: int | None = 72,
    own_threshold: float | None = 4.0,
) -> list[Episode]:
    """Level shifts: the median of the next ``window`` values differs from that of the previous.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid (NaN for missing values).
    values : array of float
        The series [its unit].
    flags : array of str
        HJ 212 flags; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    load : array of float, optional
        Load or flow aligned on ``times``; a step that the load makes too is explained.
    window : int, default 24
        Values in each of the two windows [count].
    threshold : float, default 5.0
        Smallest test statistic z: the shift in standard errors of the median difference.
    min_relative_shift : float, default 0.5
        Smallest shift relative to the larger of the two levels [fraction].
    max_load_shift : float, default 0.1
        A step is dropped when the load's median moves by at least this fraction at the same
        point [fraction].
    period : int or None, default 24
        Values per day: the median daily profile of the series (and of the load) is removed
        first, when there are at least three days, so a daily cycle is not a step; None keeps it.
    min_load_pairs : int or None, default 72
        With a load and at least this many valid pairs, the series is first brought to its
        median load by its own fitted load response (``load_normalised``): a shift the load
        explains (CO doubling on an 8 % load drop at a plant where CO always does so) is
        operation. None: not normalised.
    own_threshold : float or None, default 4.0
        A step must also be at least this many times the series' own usual spread of
        window-median differences (1.4826 · MAD over all change points): a plant whose level
        routinely wanders this much (slow, autocorrelated noise; fuel or shift changes) shows
        nothing unusual. None: no such test.

    Returns
    -------
    list of Episode
        One per step, covering the ``window`` values after it; ``score`` = z (capped at 1000).

    Notes
    -----
    After removing the median daily profile (``period``), for each change point i with windows
    L = x[i−w … i−1] and R = x[i … i+w−1]:
    ``σ̂ = 1.4826 · √((MAD L² + MAD R²) / 2)`` and ``z = |med R − med L| / (1.2533 · σ̂ · √(2/w))``
    (1.2533 = √(π/2): the standard error of a median of w normal values is 1.2533 σ / √w).
    A step is a run of i with
    ``z ≥ threshold``, ``|med R − med L| / max(|med L|, |med R|) ≥ min_relative_shift`` and at
    least 75 % valid values in each window, located at the i in the run with the largest
    difference of window means. Guards (tuned on seed 1 of ``bench/screening_eval.py``): the
    load normalisation and ``|med R − med L| ≥ own_threshold · 1.4826 · MAD_i(med R_i − med L_i)``
    over the whole series; a load step of ``max_load_shift`` explains the step outright.

    References
    ----------
    Rousseeuw P.J., Croux C. (1993), Alternatives to the median absolute deviation, JASA 88(424).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T12", dtype="datetime64[h]")
    >>> v = [20.0, 21, 19, 20, 21, 20, 8, 9, 8, 7, 8, 9]
    >>> [e.evidence["change_time"] for e in step_change(
    ...     t, v, [""] * 12, pollutant="so2", window=4)]
    ['2026-01-05T06:00:00Z']
    """
    t, x, q, removed = prepare_series(times, values, flags, load, period, min_load_pairs)
    steps = find_steps(
        x,
        q,
        window=window,
        threshold=threshold,
        min_relative_shift=min_relative_shift,
        max_load_shift=max_load_shift,
        own_threshold=own_threshold,
    )
    episodes = []
    for k, i in enumerate(steps.index):
        end = t[min(i + window - 1, t.size - 1)]
        score = min(float(steps.z[k]), Z_CAP)
        evidence = step_evidence(t, steps, k, window, removed)
        episodes.append(
            Episode(STEP, VERSION, pollutant, t[i], end, score, Severity.WARNING, evidence)
        )
    return episodes
