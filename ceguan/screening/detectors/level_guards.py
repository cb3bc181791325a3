"""Series preparation of ``step_change`` and its guards against operational shifts (numpy).

A level shift that the load explains, or one no larger than the plant's routine wander, is
operation, not a fault.

Tuned on seed 1 of ``bench/screening_eval.py`` (issue 4: false alarms on clean data); the numbers
are statistical tuning, passed in by the detector, not regulatory values.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    Floats,
    Times,
    as_flags,
    as_times,
    as_values,
    remove_daily_profile,
    valid_mask,
)

MAD_TO_SIGMA = 1.4826  # σ = 1.4826 · MAD for normal data


def usual_sd(before: Floats, after: Floats) -> float:
    """Robust sd (1.4826 · MAD) of the differences of window medians over the whole series."""
    d = (after - before)[np.isfinite(after - before)]
    if d.size < 8:
        return np.nan
    return float(MAD_TO_SIGMA * np.median(np.abs(d - np.median(d))))


def load_normalised(x: Floats, q: Floats, min_pairs: int) -> tuple[Floats, float | None, float]:
    """``x`` brought to the load's median by the facility's own load response; its slope.

    A plant's concentration follows its load (more fuel, more flue gas; CO falls as combustion
    improves at high load), so a level shift that the load explains is operation, not a fault.
    The response is fitted on the series itself: for a positive series the elasticity
    ``β = cov(ln x, ln q) / var(ln q)`` and ``x · (q̃ / q)^β`` (q̃ = median load); otherwise the
    slope ``b = cov(x, q) / var(q)`` and ``x − b · (q − q̃)``. Fewer than ``min_pairs`` valid
    pairs, or a load that never varies: ``x`` unchanged and slope None. Where the load is
    missing, x is kept as measured.
    """
    valid = np.isfinite(x)
    ok = valid & np.isfinite(q) & (q > 0)
    if ok.sum() < min_pairs:
        return x, None, np.nan
    ref = float(np.median(q[ok]))
    log = bool((x[valid] > 0).all())
    u, w = (np.log(x[ok]), np.log(q[ok])) if log else (x[ok], q[ok])
    dw = w - w.mean()
    var = float(dw @ dw)
    if var <= 0:
        return x, None, ref
    slope = float(dw @ (u - u.mean())) / var
    qq = np.where(np.isfinite(q) & (q > 0), q, ref)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = x * (ref / qq) ** slope if log else x - slope * (qq - ref)
    return out, slope, ref


def prepare_series(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    load: ArrayLike | None,
    period: int | None,
    min_load_pairs: int | None = None,
) -> tuple[Times, Floats, Floats | None, bool]:
    """Times, valid values (NaN otherwise) and load, each less its daily profile when possible.

    With ``min_load_pairs`` and a load, the values are first brought to the median load
    (:func:`load_normalised`).
    """
    t = as_times(times)
    v = as_values(values, t.size)
    x = np.where(valid_mask(v, as_flags(flags, t.size)), v, np.nan)
    q = None
    if load is not None:
        q = as_values(load, t.size, "load")
        if min_load_pairs is not None:
            x = load_normalised(x, q, min_load_pairs)[0]
        q = remove_daily_profile(q, period)[0]
    x, removed = remove_daily_profile(x, period)
    return t, x, q, removed
