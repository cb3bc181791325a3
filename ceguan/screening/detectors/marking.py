"""Marking (数据标记) beyond its norm: marks clustered at high load, too many marked hours.

See ``hidden`` for marks over values that exceed the limit. The runner checks the operations
records (运维记录) behind the marks."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    MARKING_FLAGS,
    Duration,
    as_flags,
    as_times,
    as_values,
    flag_in,
    hypergeom_sf,
    neg_log10,
    rounded,
    seconds,
)
from ceguan.screening.detectors.mark_hours import hour_of_day, hour_test, peak_hours, routine_hours
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

AT_HIGH_LOAD = "marks_at_high_load"
OVER_NORM = "marked_hours_over_norm"
VERSION = 1
#: 2: routine hours left out, hour-of-day test (issue 4). 3: an hour is also routine when its
#: median week reaches routine_share, so a check overwritten for days stays routine.
AT_HIGH_LOAD_VERSION = 3
RULE = "MEE Announcement 2022 No. 21 (marking rules; marked data not used to judge exceedance)"


@register(
    AT_HIGH_LOAD,
    version=AT_HIGH_LOAD_VERSION,
    effective_from=HJ212_2017,
    title_zh="标记集中在高负荷时段",
    title_en="Marks clustered at high-load hours",
    source=f"statistical method: one-sided Fisher exact tests (peak group, hour of day); {RULE}",
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
    routine_share: float = 0.8,
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
        Significance level of the rule (the smaller p of its tests, times the number of tests).
    min_marked : int, default 5
        Fewest marked values in the high-load group, or at the hour of the day, for a report
        [count].
    min_contrast : float, default 0.05
        The plant has its own peak hours when their mean load exceeds that of the other hours
        by this fraction; otherwise (a flat plant) the group is the top values by load. An hour
        of the day whose mean load is more than this fraction under the mean of all hours is a
        low-load hour, where maintenance belongs: the hour-of-day test leaves it out.
    min_days : int, default 7
        Fewest running values at every hour of the day for the plant's own peak hours and for
        the hour-of-day test [count]; shorter series use the top values by load only.
    routine_share : float, default 0.8
        An hour of the day marked on at least this share of its running days, over the series
        or in its median week (from version 3), is the plant's scheduled routine check (e.g. a
        daily standard-sample check at 04 h); its values are left out of both tests [fraction].

    Returns
    -------
    list of Episode
        At most one; ``score`` = −log10 p. Over the series when the peak-group test decides;
        from the first to the last mark at the hour when the hour-of-day test does.

    Notes
    -----
    *Routine hours*: with ``min_days`` running values at every hour the plant runs, the hours
    marked on ``≥ routine_share`` of their values; their values are left out (N running values
    remain, K of them marked). From version 3 also the hours whose median week reaches
    ``routine_share``: the median of the marked shares of blocks of ``min_days`` consecutive
    values at the hour (the last, shorter block joins the one before). A check overwritten for
    days by another problem (a made-up series sending N) misses fewer than half of the weeks
    and stays routine; marks kept up for some days fill only the weeks they cover.

    *Peak-group test* (version 1): the plant's peak hours are the ``round(24 · top_share)``
    hours of the day (UTC hour; the same hours in any time zone) with the highest mean running
    load. When every hour has ``min_days`` running values and the peak hours' mean load exceeds
    the other hours' by ``min_contrast``, the top group is the values at those hours, otherwise
    ``load ≥ quantile(load, 1 − top_share)``. The top group has n values, k of them marked;
    under no association k is hypergeometric (N, K, n): ``p_group = P[X ≥ k]``.

    *Hour-of-day test* (version 2): a practice of marking the peak every day lands at one or
    two hours of the day, while the group test dilutes it over the five peak hours (or, on a
    flat plant, over the top values of any hour). For each hour h that is not a low-load hour
    (mean load ≥ (1 − ``min_contrast``) × the mean of all hours) with n_h values, k_h marked:
    ``p_h = P[X ≥ k_h]``, X hypergeometric (N, K, n_h); ``p_hour = m · min p_h`` over the m
    hours judged (Bonferroni).

    ``p = t · min(p_group, p_hour)`` over the t tests run (1 or 2), reported when ``p < alpha``
    and the deciding count is ``≥ min_marked``. Routine maintenance is planned at low load, in
    stops, or at a fixed scheduled hour every day; marks piling up at peak load, or recurring
    at one working hour for days, suggest marks placed where an exceedance would be.

    References
    ----------
    MEE Announcement 2022 No. 21, 《污染物排放自动监测设备标记规则》.

    Examples
    --------
    >>> t = np.arange(40).astype("datetime64[h]")
    >>> load = np.r_[np.full(32, 50.0), np.full(8, 100.0)]  # the last 8 hours are the top 20 %
    >>> flags = ["N"] * 32 + ["M"] * 7 + ["N"]
    >>> e = marks_at_high_load(t, flags, load=load)[0]
    >>> e.evidence["n_marked_top"], e.evidence["n_marked"], e.evidence["test"]
    (7, 7, 'peak_group')
    """
    t = as_times(times)
    f = as_flags(flags, t.size)
    q = as_values(load, t.size, "load")
    with np.errstate(invalid="ignore"):
        running = np.isfinite(q) & (q > min_load)
    if not running.any():
        return []
    hour = hour_of_day(t)
    marked = running & flag_in(f, marking_flags)
    routine = routine_hours(hour, running, marked, min_days, routine_share)
    running &= ~np.isin(hour, routine)
    marked &= running
    if not running.any():
        return []
    threshold = float(np.quantile(q[running], 1.0 - top_share))
    top = running & (q >= threshold)
    peak = peak_hours(t, q, running, top_share, min_contrast, min_days)
    if peak is not None:
        top = running & np.isin(hour, peak)
    n_all, n_top = int(running.sum()), int(top.sum())
    k_all, k_top = int(marked.sum()), int((marked & top).sum())
    p_group = hypergeom_sf(k_top, n_all, k_all, n_top) if k_top >= min_marked else 1.0
    by_hour = hour_test(hour, q, running, marked, min_contrast, min_days, min_marked)
    tests = 1 if by_hour is None else 2
    p_hour = 1.0 if by_hour is None else by_hour[0]
    p = min(1.0, tests * min(p_group, p_hour))
    if p >= alpha:
        return []
    rest = n_all - n_top
    evidence: dict[str, EvidenceValue] = {
        "test": "peak_group" if p_group <= p_hour else "hour_of_day",
        "n_running": n_all,
        "n_top": n_top,
        "grouping": "load" if peak is None else "peak_hours",
        "peak_hours_utc": [] if peak is None else [int(h) for h in peak],
        "routine_hours_utc": [int(h) for h in routine],
        "load_threshold": rounded(threshold),
        "n_marked": k_all,
        "n_marked_top": k_top,
        "share_marked_top": rounded(k_top / n_top, 4) if n_top else None,
        "share_marked_rest": rounded((k_all - k_top) / rest, 4) if rest else None,
        "p_group": float(f"{p_group:.3g}"),
        "p_value": float(f"{p:.3g}"),
        "marking_flags": "".join(marking_flags),
    }
    idx = np.flatnonzero(running)
    first, last = idx[0], idx[-1]
    if by_hour is not None:
        _, h, n_h, k_h, judged = by_hour
        evidence.update(
            {"hour_utc": h, "n_at_hour": n_h, "n_marked_at_hour": k_h, "hours_judged": judged,
             "p_hour": float(f"{p_hour:.3g}")}
        )  # fmt: skip
        if p_hour < p_group:
            at_hour = np.flatnonzero(marked & (hour == h))
            first, last = at_hour[0], at_hour[-1]
    return [
        Episode(
            AT_HIGH_LOAD,
            AT_HIGH_LOAD_VERSION,
            pollutant,
            t[first],
            t[last],
            neg_log10(p),
            Severity.WARNING,
            evidence,
        )
    ]


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
