"""Improbably low variance (数据过于平滑): rolling CV far below the facility's own history."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Floats,
    as_flags,
    as_times,
    as_values,
    rolling_mean_std,
    rounded,
    runs,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "low_variance"
VERSION = 2  # 2: the own-spread test (issue 4: regimes of a real series are not faults)
MAD_TO_SIGMA = 1.4826  # σ = 1.4826 · MAD for normal data


def _rolling_cv(x: Floats, ok: np.ndarray, window: int, min_count: int) -> tuple[Floats, Floats]:
    mean, std = rolling_mean_std(x, ok, window, min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, std / mean, np.nan), mean


def own_log_spread(cv: Floats, others: np.ndarray, fewest: int) -> float:
    """Robust sd (1.4826 · MAD) of ln cv over the ``others`` windows (NaN: fewer than ``fewest``).

    >>> round(own_log_spread(np.exp(np.array([0.0, 0.1, 0.3, -0.2, 0.2])), np.ones(5, bool), 5), 4)
    0.1483
    """
    logs = np.log(cv[others])
    if logs.size < max(fewest, 1):
        return np.nan
    return float(MAD_TO_SIGMA * np.median(np.abs(logs - np.median(logs))))


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据波动异常偏小",
    title_en="Improbably low variance",
    source=f"{STATISTICAL}: rolling coefficient of variation against a reference",
)
def low_variance(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike | None = None,
    reference_cv: float | None = None,
    window: int = 24,
    ratio: float = 0.25,
    min_windows: int = 24,
    min_valid_share: float = 0.75,
    own_threshold: float | None = 4.0,
) -> list[Episode]:
    """Stretches where the rolling coefficient of variation is far below its reference.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    values : array of float
        The series [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    load : array of float, optional
        Load or flow; windows where the load is just as unusually steady are explained.
    reference_cv : float, optional
        The CV expected for this facility (its own earlier history, or its peers) [fraction];
        by default the median rolling CV of the series itself.
    window : int, default 24
        Values per rolling window [count].
    ratio : float, default 0.25
        A window is too smooth when ``cv < ratio · reference_cv`` [fraction].
    min_windows : int, default 24
        Fewest consecutive smooth windows in a reported stretch [count].
    min_valid_share : float, default 0.75
        Share of valid values a window needs to be judged [fraction].
    own_threshold : float or None, default 4.0
        Version 2: a window must also lie this many of the series' own robust sd of ln cv below
        the reference (the spread measured over the windows that do not pass the ratio test);
        with fewer than ``min_windows`` such windows only the ratio applies. None: no such test.

    Returns
    -------
    list of Episode
        One per stretch, covering all values of its windows; ``score`` =
        reference_cv / median CV of the stretch (how many times smoother).

    Notes
    -----
    ``cv_k = s_k / m_k`` over the valid values of window k (population standard deviation,
    mean > 0). Windows with ``s_k = 0`` are exactly flat and left to ``constant_run``. For
    normal data the sample variance of w values satisfies ``(w−1)s²/σ² ~ χ²(w−1)``: with
    w = 24 and ratio 0.25 (variance ratio 1/16) a window this smooth by chance has
    ``P = P[χ²₂₃ < 23/16] < 10⁻¹²``, so a stretch of 24 of them is not noise. The series'
    own median is a weak reference when the whole series is smoothed: pass ``reference_cv``.

    Own-spread test (version 2): real series are not stationary noise. A gas turbine's CO varies
    4–7 times less for days at steady high load than over the year; its window CVs spread with
    a robust sd of ln cv of 0.37–0.65 (χ² sampling alone gives about 1 / √(2 (w − 1)) = 0.15).
    A window is too smooth only when also ``ln(reference) − ln(cv_k) ≥ own_threshold · s``,
    with ``s = 1.4826 · MAD(ln cv)`` over the moving windows that fail the ratio test (the
    series' own spread, outside what is judged). The simulator's series have s = 0.20–0.37, so
    the ratio (ln 4 = 1.39) nearly always decides there; a series with regimes of smoothness
    needs a stretch beyond them.

    References
    ----------
    环发〔2015〕175号 art. 4(8) (data modified or interfered with).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T16", dtype="datetime64[h]")
    >>> v = [10.0, 14, 8, 13, 9, 16, 11.0, 11.01, 11.0, 11.01, 11.0, 11.01, 7, 14, 9, 12]
    >>> [e.evidence["n_values"] for e in low_variance(
    ...     t, v, [""] * 16, pollutant="so2", window=4, min_windows=2)]
    [6]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    ok = valid_mask(v, as_flags(flags, t.size))
    need = math.ceil(min_valid_share * window)
    cv, mean = _rolling_cv(v, ok, window, need)
    moving = cv > 0
    if not moving.any():
        return []
    reference = float(np.median(cv[moving])) if reference_cv is None else float(reference_cv)
    smooth = moving & (cv < ratio * reference)
    spread = np.nan
    if own_threshold is not None and smooth.any():
        spread = own_log_spread(cv, moving & ~smooth, min_windows)
        if np.isfinite(spread):
            with np.errstate(divide="ignore"):
                smooth &= np.log(reference) - np.log(cv) >= own_threshold * spread
    if load is not None and smooth.any():
        q = as_values(load, t.size, "load")
        load_cv, _ = _rolling_cv(q, np.isfinite(q), window, need)
        steady = load_cv < ratio * np.nanmedian(load_cv[load_cv > 0]) if (load_cv > 0).any() else 0
        smooth &= ~np.asarray(steady, dtype=bool)
    starts, ends = runs(smooth)
    keep = ends - starts + 1 >= min_windows
    episodes = []
    for s, e in zip(starts[keep], ends[keep], strict=True):
        inside = cv[s : e + 1]
        median = float(np.median(inside))
        evidence = {
            "n_values": int(e - s + window),
            "n_windows": int(e - s + 1),
            "window": window,
            "cv_median": rounded(median),
            "cv_min": rounded(inside.min()),
            "reference_cv": rounded(reference),
            "reference": "own history" if reference_cv is None else "given",
            "ratio": ratio,
            "mean_level": rounded(np.median(mean[s : e + 1])),
            "own_log_cv_sd": rounded(spread) if np.isfinite(spread) else None,
        }
        last = e + window - 1
        episodes.append(
            Episode(
                RULE_ID,
                VERSION,
                pollutant,
                t[s],
                t[last],
                reference / median,
                Severity.WARNING,
                evidence,
            )
        )
    return episodes
