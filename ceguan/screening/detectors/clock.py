"""Clock drift (时钟漂移): the device's DataTime drifting steadily against the receive time."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    SECOND,
    STATISTICAL,
    as_times,
    rounded,
)
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

RULE_ID = "clock_drift"
VERSION = 1
DAY_S = 86400.0


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数采仪时钟漂移",
    title_en="Device clock drift",
    source=f"{STATISTICAL}: least-squares line through the daily minimum delay; HJ 212-2017",
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
        Fewest days with data for a fit [count].
    min_slope : float, default 5.0
        Smallest |slope| reported [s/day].
    min_drift : float, default 120.0
        Smallest |slope| × span reported [s] (HJ 212 loggers are set by the platform's time
        command; two minutes misplaces minute data).
    min_r2 : float, default 0.8
        Smallest coefficient of determination: the drift must be steady.

    Returns
    -------
    list of Episode
        At most one, over the series; ``score`` = |drift| [s].

    Notes
    -----
    Offset ``d = received_at − t`` [s] includes the upload delay, which varies; its minimum over
    each 24 h from the first data time, ``d_min(day)``, is the delay floor plus the clock error.
    A least-squares line ``d_min = a + b · day`` gives slope b [s/day];
    ``drift = b · (last day − first day)``. A positive slope means the device clock falls
    behind (its DataTimes get earlier).

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
    day = ((t - t[0]) / SECOND // DAY_S).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    if starts.size < max(min_days, 2):
        return []
    x = day[starts].astype(np.float64)
    y = np.minimum.reduceat(offset, starts)
    xc, yc = x - x.mean(), y - y.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ yc) / sxx
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    syy = float(yc @ yc)
    r2 = 1.0 - float(residual @ residual) / syy if syy > 0 else 0.0
    drift = slope * float(x[-1] - x[0])
    if abs(slope) < min_slope or abs(drift) < min_drift or r2 < min_r2:
        return []
    evidence: dict[str, EvidenceValue] = {
        "slope_s_per_day": rounded(slope, 3),
        "offset_start_s": rounded(intercept + slope * x[0], 3),
        "offset_end_s": rounded(intercept + slope * x[-1], 3),
        "drift_s": rounded(drift, 3),
        "r2": rounded(r2, 4),
        "n_days": int(x.size),
    }
    return [
        Episode(RULE_ID, VERSION, pollutant, t[0], t[-1], abs(drift), Severity.WARNING, evidence)
    ]
