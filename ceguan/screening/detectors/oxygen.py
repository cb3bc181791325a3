"""Reference-O2 plausibility (含氧量异常): pinned O2, O2 rising with load (ambient O2: ``ambient``).

The converted concentration is ``C · (21 − O2_ref) / (21 − O2)`` (rules.md §2.1), so a low,
steady O2 lowers every converted value; in combustion O2 falls as load rises (less excess air).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Bools,
    Floats,
    Times,
    as_flags,
    as_times,
    as_values,
    rolling_corr,
    rolling_max,
    rolling_mean_std,
    valid_mask,
    window_episodes,
)
from ceguan.screening.detectors.stops import running_rows
from ceguan.screening.episode import Episode
from ceguan.screening.registry import register

PINNED = "o2_pinned"
CORRELATION = "o2_load_correlation"
VERSION = 1
PINNED_VERSION = 2  # 2: windows over the running rows (issue 4, fourth round)
SOURCE = "GB 13271-2014 §5.2, GB 4915-2013 §4.1.4 (reference-O2 conversion); combustion physics"


def o2_series(
    times: ArrayLike, o2: ArrayLike, flags: ArrayLike, load: ArrayLike
) -> tuple[Times, Floats, Bools, Floats]:
    """Times, O2, its valid mask (flag N or none) and the load, as arrays."""
    t = as_times(times)
    x = as_values(o2, t.size, "o2")
    return t, x, valid_mask(x, as_flags(flags, t.size)), as_values(load, t.size, "load")


def _load_cv(load: Floats, window: int, need: int) -> Floats:
    mean, std = rolling_mean_std(load, np.isfinite(load), window, need)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, std / mean, np.nan)


@register(
    PINNED,
    version=PINNED_VERSION,
    effective_from=HJ212_2017,
    title_zh="含氧量锁定（负荷变化时不变）",
    title_en="O2 pinned while the load varies",
    source=f"{STATISTICAL}: rolling O2 range against rolling load variation; {SOURCE}",
)
def o2_pinned(
    times: ArrayLike,
    o2: ArrayLike,
    flags: ArrayLike,
    *,
    load: ArrayLike,
    pollutant: str = "o2",
    window: int = 24,
    max_band: float = 0.2,
    min_load_cv: float = 0.1,
    min_windows: int = 1,
    min_valid_share: float = 0.75,
    stop_share: float = 0.2,
    full_quantile: float = 0.9,
) -> list[Episode]:
    """Windows where O2 stays within a tiny band while the load varies.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    o2 : array of float
        Measured O2, dry [%]; NaN for missing.
    flags : array of str
        HJ 212 flags of the O2 values; only N (or none) is used.
    load : array of float
        Load or flow aligned on ``times`` [its unit].
    pollutant : str, default 'o2'
        Glossary name of the O2 series.
    window : int, default 24
        Values per rolling window [count].
    max_band : float, default 0.2
        O2 is pinned when ``max − min ≤ max_band`` within a window [% O2].
    min_load_cv : float, default 0.1
        The load varies when its coefficient of variation in the window is at least this.
    min_windows : int, default 1
        Fewest consecutive pinned windows in a stretch [count].
    min_valid_share : float, default 0.75
        Share of valid O2 values a window needs [fraction].
    stop_share : float, default 0.2
        Rows where the load is at most this share of its full load are a stop, left out with
        the rows flagged F.
    full_quantile : float, default 0.9
        The full load is this quantile of the load [fraction].

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    The windows run over the running rows (not flagged F, load above ``stop_share`` of the
    full load): a day-shift plant stopped half the day never had a window of 75 % valid O2 on
    the grid (version 1). Window k is pinned when ``max(O2) − min(O2) ≤ max_band`` and
    ``std(load) / mean(load) ≥ min_load_cv``. Real O2 moves with combustion air whenever the
    load moves.

    References
    ----------
    GB 13271-2014 §5.2 (reference-O2 conversion).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T06", dtype="datetime64[h]")
    >>> load = [50.0, 90.0, 40.0, 95.0, 45.0, 85.0]
    >>> [e.evidence["n_values"] for e in o2_pinned(
    ...     t, [6.0, 6.1, 6.0, 6.05, 6.0, 6.1], [""] * 6, load=load, window=6)]
    [6]
    """
    t, x, ok, q = o2_series(times, o2, flags, load)
    running = running_rows(flags, q, stop_share=stop_share, full_quantile=full_quantile)
    t, x, ok, q = t[running], x[running], ok[running], q[running]
    if t.size < window:
        return []
    need = math.ceil(min_valid_share * window)
    hi = rolling_max(np.where(ok, x, -np.inf), window)
    lo = -rolling_max(np.where(ok, -x, -np.inf), window)
    total = np.concatenate(([0], np.cumsum(ok)))
    count = total[window:] - total[:-window]
    band = np.where(count >= need, hi - lo, np.inf)
    load_cv = _load_cv(q, window, need)
    mean, _ = rolling_mean_std(x, ok, window, need)
    pinned = (band <= max_band) & (load_cv >= min_load_cv)
    describe = {"o2_mean": mean, "o2_band_max": band, "load_cv": load_cv}
    return window_episodes(
        (PINNED, PINNED_VERSION),
        pollutant,
        t,
        pinned,
        window=window,
        min_windows=min_windows,
        fixed={"max_band": max_band},
        describe=describe,
    )


@register(
    CORRELATION,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="含氧量与负荷正相关",
    title_en="O2 rising with load",
    source=f"{STATISTICAL}: rolling Pearson correlation of O2 with load; {SOURCE}",
)
def o2_load_correlation(
    times: ArrayLike,
    o2: ArrayLike,
    flags: ArrayLike,
    *,
    load: ArrayLike,
    pollutant: str = "o2",
    window: int = 24,
    max_correlation: float = 0.5,
    min_load_cv: float = 0.1,
    min_windows: int = 12,
    min_valid_share: float = 0.75,
) -> list[Episode]:
    """Stretches where O2 correlates positively with load (combustion makes it anti-correlate).

    Parameters
    ----------
    times, o2, flags, load, pollutant
        As for ``o2_pinned``.
    window : int, default 24
        Values per rolling window [count].
    max_correlation : float, default 0.5
        A window is inconsistent when the correlation exceeds this.
    min_load_cv : float, default 0.1
        Only windows where the load varies this much are judged.
    min_windows : int, default 12
        Fewest consecutive inconsistent windows in a stretch [count].
    min_valid_share : float, default 0.75
        Share of valid pairs a window needs [fraction].

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    ``r_k = cov(O2, load) / (s_O2 · s_load)`` over the valid pairs of window k; flagged when
    ``r_k > max_correlation`` and ``cv(load) ≥ min_load_cv``. For independent noise and w = 24,
    P[r > 0.5] ≈ 0.006 per window; ``min_windows`` consecutive windows keep chance out.

    References
    ----------
    GB 13271-2014 §5.2; combustion stoichiometry (excess-air ratio falls with firing rate).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T06", dtype="datetime64[h]")
    >>> load = [50.0, 90.0, 40.0, 95.0, 45.0, 85.0]
    >>> o2 = [6.0, 9.0, 5.5, 9.5, 6.0, 8.5]  # goes up with the load
    >>> [e.evidence["correlation"] for e in o2_load_correlation(
    ...     t, o2, [""] * 6, load=load, window=6, min_windows=1)]
    [0.9966]
    """
    t, x, ok, q = o2_series(times, o2, flags, load)
    need = math.ceil(min_valid_share * window)
    r = rolling_corr(x, q, ok & np.isfinite(q), window, need)
    load_cv = _load_cv(q, window, need)
    bad = (r > max_correlation) & (load_cv >= min_load_cv)
    describe = {"correlation": r, "correlation_max": r, "load_cv": load_cv}
    return window_episodes(
        (CORRELATION, VERSION),
        pollutant,
        t,
        bad,
        window=window,
        min_windows=min_windows,
        fixed={"max_correlation": max_correlation},
        describe=describe,
    )
