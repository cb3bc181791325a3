"""A pollutant that lost its process swings (失去工况波动特征): persistence and spread both fall."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Bools,
    Floats,
    rolling_mean_std,
    rolling_sums,
    rounded,
    window_episodes,
)
from ceguan.screening.detectors.load_response import rolling_fit
from ceguan.screening.detectors.stops import running_log_pairs
from ceguan.screening.episode import Episode, EvidenceValue
from ceguan.screening.registry import register

RULE_ID = "process_swings_lost"
VERSION = 1


def rolling_lag1(x: Floats, ok: Bools, window: int, need: int) -> Floats:
    """Lag-1 autocorrelation of the ``ok`` values of each full window of ``window``.

    ``Σ (x[i] − m)(x[i−1] − m) / k`` over the window's k consecutive ok pairs, divided by the
    (population) variance v of its ok values, m their mean; NaN where the window holds fewer
    than ``need`` pairs or its values do not move.

    >>> x = np.array([1.0, 2, 3, 4, 3, 2, 1, 2, 3, 4])  # m 2.5, v 1.05; centred pairs 3.75 / 9
    >>> [round(float(r), 3) for r in rolling_lag1(x, np.ones(10, bool), 10, 5)]
    [0.397]
    """
    n = x.size
    if n < window:
        return np.full(0, np.nan)
    count, sx, sxx = rolling_sums(x, ok, window)
    x0 = float(x[ok].mean()) if ok.any() else 0.0
    c = np.where(ok, x - x0, 0.0)
    pair = np.concatenate(([False], ok[1:] & ok[:-1]))  # pair i: (i − 1, i)
    previous = np.concatenate(([0.0], c[:-1]))
    terms = (
        np.where(pair, c * previous, 0.0),
        np.where(pair, c, 0.0),
        np.where(pair, previous, 0.0),
    )
    # window k holds the pairs i = k + 1 … k + window − 1 (its first pair reaches before it)
    sums = []
    for term in (pair.astype(np.float64), *terms):
        total = np.concatenate(([0.0], np.cumsum(term)))
        sums.append(total[window:] - total[: n - window + 1] - term[: n - window + 1])
    pairs, products, later, earlier = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sx / count
        variance = sxx / count - mean * mean
        covariance = (products - mean * (later + earlier)) / pairs + mean * mean
        rho = covariance / variance
    tiny = 1e-12 * max(float(np.mean(c[ok] ** 2)) if ok.any() else 0.0, 1e-300)
    return np.where((pairs >= need) & (variance > tiny), rho, np.nan)


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据失去工况波动特征",
    title_en="Pollutant lost its process swings",
    source=f"{STATISTICAL}: rolling lag-1 autocorrelation and spread against the series' own "
    "(Fisher z), the load's persistence as control",
)
def process_swings_lost(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    window: int = 72,
    z_threshold: float = 4.0,
    min_windows: int = 24,
    min_valid_share: float = 0.75,
    min_reference: float = 0.5,
    spread_keep: float = 0.8,
    load_keep: float | None = 0.9,
    min_coupling: float = 0.3,
    drop: float = 0.5,
    stop_share: float = 0.2,
    full_quantile: float = 0.9,
) -> list[Episode]:
    """Stretches where the pollutant loses its slow swings while the load keeps its own.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    values : array of float
        The pollutant [its unit]; NaN for missing. Only values > 0 are used.
    flags : array of str
        HJ 212 flags of the pollutant; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    load : array of float
        Load or flow aligned on ``times`` [its unit].
    window : int, default 72
        Running values per rolling window [count]: three days of hours.
    z_threshold : float, default 4.0
        A window's persistence has fallen when ``(atanh ρ_ref − atanh ρ_k) · sqrt(n − 3)``
        reaches this [z].
    min_windows : int, default 24
        Fewest consecutive windows in a stretch [count] (a stretch of at least 95 values).
    min_valid_share : float, default 0.75
        Share of valid consecutive pairs a window needs [fraction].
    min_reference : float, default 0.5
        The series' usual persistence (median window lag-1 autocorrelation) must reach this:
        a series without slow swings has none to lose.
    spread_keep : float, default 0.8
        … and the window's standard deviation of ln value is at most this share of the usual
        (median window) one: swings lost, not fast noise added [fraction].
    load_keep : float or None, default 0.9
        … and the load's own persistence in the window is at least this share of its usual:
        where the load changed character too (an irregular time axis, a changed process), the
        pollutant's change is not its own [fraction]. None: no such guard.
    min_coupling : float, default 0.3
        Where the pollutant follows the load (|usual correlation of ln value and ln load| at
        least this) …
    drop : float, default 0.5
        … the window's correlation must also have fallen to at most ``(1 − drop)`` of it.
    stop_share : float, default 0.2
        The plant is stopped when the load is at most this share of its full load (values left
        out; a stop is ``reported_while_stopped``'s).
    full_quantile : float, default 0.9
        The full load is this quantile of the load [fraction].

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    Values flagged F, values whose load is ``≤ stop_share · quantile(load, full_quantile)``, and
    values ≤ 0 are left out; on ``x = ln value`` and ``y = ln load`` over the remaining running
    values, per window k: persistence ``ρ_k`` (lag-1 autocorrelation, :func:`rolling_lag1`),
    spread ``s_k`` (sd of x), the load's persistence ``λ_k`` and the correlation ``r_k`` of x and
    y. References are the medians over the windows: ``ρ_ref``, ``s_ref``, ``λ_ref``, ``r_ref``.
    A window has lost its swings when ``ρ_ref ≥ min_reference``,
    ``z_k = (atanh ρ_ref − atanh ρ_k) · sqrt(n_k − 3) ≥ z_threshold``,
    ``s_k ≤ spread_keep · s_ref``, ``λ_k ≥ load_keep · λ_ref`` and, when
    ``|r_ref| ≥ min_coupling``, ``sign(r_ref) · r_k ≤ (1 − drop) · |r_ref|``; ``min_windows``
    consecutive such windows form an episode. Stack gases and effluents swing with the process
    over hours (hourly means autocorrelated 0.7–0.9); a series made up around a set point by a
    data logger has no such swings: its hourly means are nearly independent and spread less.

    References
    ----------
    环发〔2015〕175号 art. 4(8) (data interfered with so that they do not reflect the process).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-07T12", dtype="datetime64[h]")
    >>> swing = 40 * np.exp(0.3 * np.sin(np.arange(36) / 3))  # slow swings
    >>> flat = 40 * np.exp(0.05 * np.array([1.0, -1, 0.5, -0.5] * 6))  # made-up, no swings
    >>> [(str(e.start), str(e.end)) for e in process_swings_lost(
    ...     t, np.r_[swing, flat], ["N"] * 60, pollutant="so2", load=np.full(60, 100.0),
    ...     window=8, min_windows=4, z_threshold=2.0)]
    [('2026-01-06T12:00:00', '2026-01-07T11:00:00')]
    """
    t, x, y, ok = running_log_pairs(
        times, values, flags, load, stop_share=stop_share, full_quantile=full_quantile
    )
    need = math.ceil(min_valid_share * window)
    if t.size < window or ok.sum() < need:
        return []
    rho = rolling_lag1(x, ok, window, need)
    if not np.isfinite(rho).any():
        return []
    rho_ref = float(np.nanmedian(rho))
    if rho_ref < min_reference:
        return []
    _, spread = rolling_mean_std(x, ok, window, 1)
    spread_ref = float(np.nanmedian(spread))
    load_rho = rolling_lag1(y, ok, window, need)
    load_ref = float(np.nanmedian(load_rho)) if np.isfinite(load_rho).any() else np.nan
    with np.errstate(invalid="ignore"):
        z = (math.atanh(min(rho_ref, 0.999)) - np.arctanh(np.clip(rho, -0.999, 0.999))) * np.sqrt(
            np.maximum(window - 3, 1)
        )
        lost = (z >= z_threshold) & (spread <= spread_keep * spread_ref)
        if load_keep is not None and math.isfinite(load_ref):
            lost &= load_rho >= load_keep * load_ref
    fit = rolling_fit(x, y, ok, window, need)
    r_ref: float | None = None
    r = np.full(rho.size, np.nan)
    if fit is not None:
        r = fit[1]
        if np.isfinite(r).any():
            r_ref = float(np.nanmedian(r))
            if abs(r_ref) >= min_coupling:
                with np.errstate(invalid="ignore"):
                    lost &= math.copysign(1.0, r_ref) * r <= (1.0 - drop) * abs(r_ref)
    fixed: dict[str, EvidenceValue] = {
        "reference_persistence": rounded(rho_ref, 4),
        "reference_spread": rounded(spread_ref, 4),
        "reference_load_persistence": rounded(load_ref, 4) if math.isfinite(load_ref) else None,
        "reference_correlation": None if r_ref is None else rounded(r_ref, 4),
        "z_threshold": z_threshold,
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        describe = {
            "persistence": rho,
            "spread_ratio": spread / spread_ref if spread_ref > 0 else spread,
            "load_persistence": load_rho,
            "correlation": r,
            "z": z,
            "z_max": np.where(lost, z, -np.inf),
        }
    episodes = window_episodes(
        (RULE_ID, VERSION),
        pollutant,
        t,
        lost,
        window=window,
        min_windows=min_windows,
        fixed=fixed,
        describe=describe,
    )
    for e in episodes:  # a constant load has no persistence or correlation: None, not NaN
        for key, value in e.evidence.items():
            if isinstance(value, float) and not math.isfinite(value):
                e.evidence[key] = None
    return episodes
