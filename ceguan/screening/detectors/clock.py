"""Clock drift (时钟漂移): the device's DataTime drifting steadily against the receive time."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    SECOND,
    STATISTICAL,
    Duration,
    Floats,
    Times,
    as_times,
    rounded,
    runs,
    seconds,
)
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

RULE_ID = "clock_drift"
VERSION = 1
DAY_S = 86400.0
THREE_DAYS = np.timedelta64(3, "D")
SIX_HOURS = np.timedelta64(6, "h")


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数采仪时钟漂移",
    title_en="Device clock drift",
    source=f"{STATISTICAL}: least-squares lines through the minimum delay, sliding and whole; "
    "HJ 212-2017",
)
def clock_drift(
    times: ArrayLike,
    received_at: ArrayLike,
    *,
    pollutant: str = "",
    min_days: int = 3,
    min_slope: float = 5.0,
    min_drift: float = 120.0,
    min_r2: float = 0.8,
    window: Duration = THREE_DAYS,
    bin: Duration = SIX_HOURS,
) -> list[Episode]:
    """A steady trend in ``received_at − DataTime``: the device clock gains or loses time.

    Parameters
    ----------
    times : array of datetime64
        Data times the device stamped (DataTime) [UTC], ascending.
    received_at : array of datetime64
        When the platform received each value [UTC]; NaT where unknown.
    pollutant : str, default ''
        '' for the device (the clock is the data logger's).
    min_days : int, default 3
        Fewest days with data for the fit over the whole series [count].
    min_slope : float, default 5.0
        Smallest |slope| reported [s/day].
    min_drift : float, default 120.0
        Smallest |slope| × span reported [s] (HJ 212 loggers are set by the platform's time
        command; two minutes misplaces minute data).
    min_r2 : float, default 0.8
        Smallest coefficient of determination: the drift must be steady.
    window : timedelta, default 3 days
        Span of the sliding fits: a drift of days inside a longer series (a worn clock until
        the platform sets it) is a bend in the whole series, a line inside its windows.
    bin : timedelta, default 6 h
        The minimum delay of each ``bin`` is one point of the sliding fits.

    Returns
    -------
    list of Episode
        One per run of sliding windows that show a drift, and one for the whole series when it
        drifts steadily outside those runs; ``score`` = |drift| [s].

    Notes
    -----
    Offset ``d = received_at − t`` [s] includes the upload delay, which varies; its minimum over
    a bin is the delay floor plus the clock error. *Sliding:* over each run of ``window / bin``
    consecutive bins, least squares ``d_min = a + b · t`` (cumulative sums, all windows at once)
    is a drift when ``|b| ≥ min_slope``, ``|b| · window ≥ min_drift`` and ``r² ≥ min_r2``;
    overlapping drifting windows form one episode, without the bins at its ends that stay
    within ``min_drift / (window / bin)`` of the level just outside it; its numbers are a fit
    over its bins.
    *Whole series:* the same line through the daily minimum, ``drift = b · (last day − first
    day)`` (slow, steady drifts). A positive slope means the device clock falls behind (its
    DataTimes get earlier).

    References
    ----------
    HJ 212-2017 (CN 1011/1012: the platform reads and sets the logger's time).

    Examples
    --------
    >>> t = np.arange("2026-01-01", "2026-01-11", dtype="datetime64[D]").astype("datetime64[s]")
    >>> r = t + np.timedelta64(60, "s") + np.arange(10) * np.timedelta64(30, "s")  # +30 s a day
    >>> e = clock_drift(t, r)[0]
    >>> e.evidence["slope_s_per_day"], e.evidence["drift_s"]
    (30.0, 270.0)
    """
    t = as_times(times)
    r = np.asarray(received_at, dtype="datetime64[s]")
    if r.shape != t.shape:
        raise ValueError(f"received_at has shape {r.shape}, expected {t.shape} like times")
    known = ~np.isnat(r)
    t, r = t[known], r[known]
    if not t.size:
        return []
    offset = (r - t) / SECOND
    days = (t - t[0]) / SECOND / DAY_S
    found = []
    x, y = _minima(days, offset, seconds(bin) / DAY_S)
    w = max(3, round(seconds(window) / seconds(bin)))
    for a, b in _drifting(x, y, w, min_slope, min_drift, min_r2, seconds(window) / DAY_S):
        a, b = _trim(y, a, b, min_drift / w)
        if b - a < 2:
            continue
        fit = _fit(x[a:b], y[a:b])
        found.append((t[np.searchsorted(days, x[a])], _last(t, days, x[b - 1], bin), fit))
    x, y = _minima(days, offset, 1.0)
    if x.size >= max(min_days, 2):
        fit = _fit(x, y)
        slope, drift, r2 = fit["slope_s_per_day"], fit["drift_s"], fit["r2"]
        steady = abs(slope) >= min_slope and abs(drift) >= min_drift and r2 >= min_r2
        if steady and not found:
            found.append((t[0], t[-1], fit))
    return [
        Episode(
            RULE_ID, VERSION, pollutant, s, e, abs(float(fit["drift_s"])), Severity.WARNING, fit
        )
        for s, e, fit in found
    ]


def _minima(days: Floats, offset: Floats, width: float) -> tuple[Floats, Floats]:
    """(bin start [days], minimum offset) of each bin of ``width`` days that has data."""
    index = (days // width).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    return index[starts] * width, np.minimum.reduceat(offset, starts)


def _last(t: Times, days: Floats, x: float, bin: Duration) -> np.datetime64:
    """Data time of the last value in the bin starting at ``x`` days."""
    return t[np.searchsorted(days, x + seconds(bin) / DAY_S, side="left") - 1]


def _drifting(
    x: Floats, y: Floats, w: int, min_slope: float, min_drift: float, min_r2: float,
    span: float,
) -> list[tuple[int, int]]:  # fmt: skip
    """Runs ``[a, b)`` of points covered by sliding windows of ``w`` points that drift."""
    if x.size < w:
        return []
    y = y - np.median(y)  # small numbers for the cumulative sums

    def moving(v: Floats) -> Floats:
        c = np.r_[0.0, np.cumsum(v)]
        return c[w:] - c[:-w]

    sx, sy = moving(x), moving(y)
    vx = moving(x * x) - sx * sx / w
    vy = moving(y * y) - sy * sy / w
    cxy = moving(x * y) - sx * sy / w
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(vx > 0, cxy / vx, 0.0)
        r2 = np.where((vx > 0) & (vy > w), cxy * cxy / (vx * vy), 0.0)  # vy > w: > 1 s² a point
    hit = (np.abs(slope) >= min_slope) & (np.abs(slope) * span >= min_drift) & (r2 >= min_r2)
    covered = np.zeros(x.size + 1, dtype=np.int64)
    starts = np.flatnonzero(hit)
    np.add.at(covered, starts, 1)
    np.add.at(covered, starts + w, -1)
    starts, ends = runs(np.cumsum(covered)[:-1] > 0)
    return [(int(a), int(b) + 1) for a, b in zip(starts, ends, strict=True)]


def _trim(y: Floats, a: int, b: int, tol: float) -> tuple[int, int]:
    """Points ``[a, b)`` without the ends that stay at the level just outside the run (a window
    that holds the start of a drift also holds flat points before it)."""
    if a > 0:
        while a < b and abs(y[a] - y[a - 1]) < tol:
            a += 1
    if b < y.size:
        while b > a and abs(y[b - 1] - y[b]) < tol:
            b -= 1
    return a, b


def _fit(x: Floats, y: Floats) -> dict[str, EvidenceValue]:
    """Least squares ``y = a + b x``: the evidence of a drift over points ``x`` [days]."""
    xc, yc = x - x.mean(), y - y.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ yc) / sxx if sxx > 0 else 0.0
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    syy = float(yc @ yc)
    r2 = 1.0 - float(residual @ residual) / syy if syy > 0 else 0.0
    return {
        "slope_s_per_day": rounded(slope, 3),
        "offset_start_s": rounded(intercept + slope * x[0], 3),
        "offset_end_s": rounded(intercept + slope * x[-1], 3),
        "drift_s": rounded(slope * float(x[-1] - x[0]), 3),
        "r2": rounded(r2, 4),
        "n_days": int(np.unique(np.floor(x)).size),
    }
