"""Marking (数据标记) beyond its norm: marks clustered at high load, too many marked hours.

See ``hidden`` for marks over values that exceed the limit. The runner checks the operations
records (运维记录) behind the marks."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ceguan.screening.detectors._common import (
    HJ212_2017,
    MARKING_FLAGS,
    Bools,
    Duration,
    Floats,
    as_flags,
    as_times,
    as_values,
    flag_in,
    hypergeom_sf,
    neg_log10,
    rounded,
    seconds,
)
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

AT_HIGH_LOAD = "marks_at_high_load"
OVER_NORM = "marked_hours_over_norm"
VERSION = 1
RULE = "MEE Announcement 2022 No. 21 (marking rules; marked data not used to judge exceedance)"


@register(
    AT_HIGH_LOAD,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="标记集中在高负荷时段",
    title_en="Marks clustered at high-load hours",
    source=f"statistical method: one-sided Fisher exact test; {RULE}",
)
def marks_at_high_load(
    times: ArrayLike,
    flags: ArrayLike,
    *,
    load: ArrayLike,
    pollutant: str = "",
    marking_flags: tuple[str, ...] = MARKING_FLAGS,
    top_share: float = 0.2,
    min_load: float = 0.0,
    alpha: float = 1e-3,
    min_marked: int = 5,
    min_contrast: float = 0.05,
    min_days: int = 7,
) -> list[Episode]:
    """Test whether maintenance, calibration and fault marks fall on the plant's peak hours.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    flags : array of str
        HJ 212 flags of the series (or of the facility's hours).
    load : array of float
        Load or flow aligned on ``times`` [its unit]; only running values (``> min_load``) count.
    pollutant : str, default ''
        Glossary name of the series, '' for the facility as a whole.
    marking_flags : tuple of str, default ('M', 'C', 'D')
        Flags that mark data invalid by the operator's declaration.
    top_share : float, default 0.2
        Share of the hours of the day (the plant's peak hours), or of the running values by
        load, that form the high-load group [fraction].
    min_load : float, default 0.0
        The plant runs when ``load > min_load`` (maintenance during stops is normal).
    alpha : float, default 1e-3
        Significance level.
    min_marked : int, default 5
        Fewest marked values in the high-load group for a report [count].
    min_contrast : float, default 0.05
        The plant has its own peak hours when their mean load exceeds that of the other hours
        by this fraction; otherwise (a flat plant) the group is the top values by load.
    min_days : int, default 7
        Fewest running values at every hour of the day for the plant's own peak hours [count];
        shorter series use the top values by load.

    Returns
    -------
    list of Episode
        At most one, over the series; ``score`` = −log10 p.

    Notes
    -----
    The plant's peak hours: the mean running load of each hour of the day (UTC hour; the same
    hours in any time zone) over the series; the ``round(24 · top_share)`` hours with the
    highest mean. When every hour of the day has ``min_days`` running values and the peak
    hours' mean load exceeds the other hours' by ``min_contrast``, the top
    group is the running values at those hours of the day (a mark placed at the morning peak
    every day lands there, however the load of single days varies); otherwise it is
    ``load ≥ quantile(load, 1 − top_share)``. Among N running values, the top group has n;
    K values are marked, k of them in the top group. Under no association k is hypergeometric
    (N, K, n); ``p = P[X ≥ k]`` (one-sided Fisher exact test). Routine maintenance is planned at
    low load or during stops, so marks piling up at peak load suggest marks placed where an
    exceedance would be.

    References
    ----------
    MEE Announcement 2022 No. 21, 《污染物排放自动监测设备标记规则》.

    Examples
    --------
    >>> t = np.arange(40).astype("datetime64[h]")
    >>> load = np.r_[np.full(32, 50.0), np.full(8, 100.0)]  # the last 8 hours are the top 20 %
    >>> flags = ["N"] * 32 + ["M"] * 7 + ["N"]
    >>> e = marks_at_high_load(t, flags, load=load)[0]
    >>> e.evidence["n_marked_top"], e.evidence["n_marked"]
    (7, 7)
    """
    t = as_times(times)
    f = as_flags(flags, t.size)
    q = as_values(load, t.size, "load")
    with np.errstate(invalid="ignore"):
        running = np.isfinite(q) & (q > min_load)
    if not running.any():
        return []
    threshold = float(np.quantile(q[running], 1.0 - top_share))
    top = running & (q >= threshold)
    peak = _peak_hours(t, q, running, top_share, min_contrast, min_days)
    if peak is not None:
        top = running & np.isin(_hour_of_day(t), peak)
    marked = running & flag_in(f, marking_flags)
    n_all, n_top = int(running.sum()), int(top.sum())
    k_all, k_top = int(marked.sum()), int((marked & top).sum())
    if k_top < min_marked:
        return []
    p = hypergeom_sf(k_top, n_all, k_all, n_top)
    if p >= alpha:
        return []
    rest = n_all - n_top
    evidence: dict[str, EvidenceValue] = {
        "n_running": n_all,
        "n_top": n_top,
        "grouping": "load" if peak is None else "peak_hours",
        "peak_hours_utc": [] if peak is None else [int(h) for h in peak],
        "load_threshold": rounded(threshold),
        "n_marked": k_all,
        "n_marked_top": k_top,
        "share_marked_top": rounded(k_top / n_top, 4),
        "share_marked_rest": rounded((k_all - k_top) / rest, 4) if rest else None,
        "p_value": float(f"{p:.3g}"),
        "marking_flags": "".join(marking_flags),
    }
    idx = np.flatnonzero(running)
    return [
        Episode(
            AT_HIGH_LOAD,
            VERSION,
            pollutant,
            t[idx[0]],
            t[idx[-1]],
            neg_log10(p),
            Severity.WARNING,
            evidence,
        )
    ]


def _hour_of_day(t: NDArray[np.datetime64]) -> NDArray[np.int64]:
    return (t.astype("datetime64[h]").astype(np.int64) % 24).astype(np.int64)


def _peak_hours(
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
    hour = _hour_of_day(t)[running]
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


@register(
    OVER_NORM,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="标记时长超过定额",
    title_en="Marked hours over their norm",
    source=f"{RULE}; norm passed in (e.g. MEE Order No. 10 (2019): 60 h a year for incinerators)",
)
def marked_hours_over_norm(
    times: ArrayLike,
    flags: ArrayLike,
    *,
    interval: Duration,
    norm_hours: float,
    pollutant: str = "",
    marking_flags: tuple[str, ...] = MARKING_FLAGS,
) -> list[Episode]:
    """Total marked time in the period above the norm the caller passes.

    Parameters
    ----------
    times : array of datetime64
        Data times of the period [UTC], ascending.
    flags : array of str
        HJ 212 flags.
    interval : timedelta
        Time each value stands for (1 h for hourly values).
    norm_hours : float
        Allowed marked time in the period: a rule-book allowance or the facility's usual
        amount [h].
    pollutant : str, default ''
        Glossary name of the series, '' for the facility.
    marking_flags : tuple of str, default ('M', 'C', 'D')
        Flags counted.

    Returns
    -------
    list of Episode
        At most one, over the period; ``score`` = marked hours / norm.

    Notes
    -----
    ``marked_h = count(flag ∈ marking_flags) · interval``, reported when ``> norm_hours``.

    References
    ----------
    MEE Announcement 2022 No. 21; 《生活垃圾焚烧发电厂自动监测数据应用管理规定》 (MEE Order
    No. 10, 2019; rules.md, addendum).

    Examples
    --------
    >>> t = np.arange(10).astype("datetime64[h]")
    >>> e = marked_hours_over_norm(t, ["M"] * 3 + ["D"] * 4 + ["N"] * 3,
    ...     interval=np.timedelta64(1, "h"), norm_hours=5.0)[0]
    >>> e.evidence["marked_h"], e.evidence["by_flag_h"]
    (7.0, {'M': 3.0, 'C': 0.0, 'D': 4.0})
    """
    t = as_times(times)
    f = as_flags(flags, t.size)
    if norm_hours <= 0:
        raise ValueError("norm_hours must be positive")
    step_h = seconds(interval) / 3600.0
    by_flag = {flag: rounded(np.count_nonzero(f == flag) * step_h, 3) for flag in marking_flags}
    total = float(sum(by_flag.values()))
    if total <= norm_hours:
        return []
    evidence: dict[str, EvidenceValue] = {
        "marked_h": rounded(total, 3),
        "norm_h": rounded(norm_hours, 3),
        "by_flag_h": dict(by_flag),
        "n_values": int(t.size),
    }
    return [
        Episode(
            OVER_NORM,
            VERSION,
            pollutant,
            t[0],
            t[-1],
            total / norm_hours,
            Severity.WARNING,
            evidence,
        )
    ]
