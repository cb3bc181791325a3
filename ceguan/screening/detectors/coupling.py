"""Pollutant decoupled from load (与工况脱节): lost load response, or flat while the load swings."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Bools,
    Floats,
    as_flags,
    as_times,
    as_values,
    rolling_mean_std,
    rounded,
    valid_mask,
    window_episodes,
)
from ceguan.screening.detectors.load_response import ar1_inflation, rolling_fit
from ceguan.screening.detectors.stops import running_log_pairs
from ceguan.screening.episode import Episode, EvidenceValue
from ceguan.screening.registry import register

LOST = "load_coupling_lost"
FLAT = "flat_while_load_swings"
VERSION = 1
LOST_VERSION = 4  # 2: running values, 48 windows; 3: slope z-test, 72 h; 4: stops by full load


def _cv(x: Floats, ok: Bools, window: int, need: int) -> Floats:
    mean, std = rolling_mean_std(x, ok, window, need)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, std / mean, np.nan)


@register(
    LOST,
    version=LOST_VERSION,
    effective_from=HJ212_2017,
    title_zh="污染物与负荷相关性消失",
    title_en="Pollutant no longer follows the load",
    source=f"{STATISTICAL}: rolling load-response slope against its own history (z-test)",
)
def load_coupling_lost(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    reference_correlation: float | None = None,
    window: int = 72,
    min_reference: float = 0.3,
    drop: float = 0.5,
    z_threshold: float = 4.0,
    min_windows: int = 24,
    min_valid_share: float = 0.75,
    stop_share: float = 0.2,
    full_quantile: float = 0.9,
    max_load_shift: float = 0.05,
) -> list[Episode]:
    """Stretches where the pollutant's response to the load vanishes against its usual response.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    values : array of float
        The pollutant (or its mass rate) [its unit]; NaN for missing. Only values > 0 are used.
    flags : array of str
        HJ 212 flags of the pollutant; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    load : array of float
        Load or flow aligned on ``times`` [its unit].
    reference_correlation : float, optional
        The facility's usual correlation of ln value and ln load (from an earlier period); by
        default the median of the series' own rolling correlations. Its size decides whether
        there is a coupling to lose, its sign the direction of the response.
    window : int, default 72
        Running values per rolling window [count]: three days of hours, the shortest a
        made-up series is kept up; shorter windows see too little load variation.
    min_reference : float, default 0.3
        Below this |reference| there is no coupling to lose, and nothing is reported.
    drop : float, default 0.5
        A window has lost the coupling only when its slope and its correlation are both at
        most ``(1 − drop)`` times the usual ones (the response has at least halved) …
    z_threshold : float, default 4.0
        … and the fall is this many standard errors [z]: the windows overlap and the AR(1)
        correction below is approximate for noise with memory of hours, so a high bar.
    min_windows : int, default 24
        Fewest consecutive windows in a stretch [count].
    min_valid_share : float, default 0.75
        Share of valid pairs a window needs [fraction].
    stop_share : float, default 0.2
        The plant is stopped when the load is at most this share of its full load: those
        values are left out, whatever the pollutant's own flag says (the flag is the device's,
        the load is independent evidence).
    full_quantile : float, default 0.9
        The full load is this quantile of the load (version 4; version 3 used the median,
        which is a stopped load at a day-shift plant) [fraction].
    max_load_shift : float, default 0.05
        Only windows whose mean ln load is within this of the median window's are judged
        (about ±5 % of the usual load): a pollutant's response to load is not linear far from
        the usual operating point (the gas turbine's CO sits at a floor at full load, where
        only analyzer noise is left and the correlation vanishes without any interference).

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    Values flagged F, and values whose load is ``≤ stop_share × quantile(load, full_quantile)``,
    are left out;
    the windows run over the remaining (running) values, on ``x = ln value``, ``y = ln load``
    (concentrations respond multiplicatively to load). Over window k of n_k pairs: the slope
    ``b_k = cov(x, y) / var(y)``, its residual variance ``s_k² = var(x) − b_k² var(y)`` and
    standard error ``se_k = sqrt(s_k² · vif / ((n_k − 2) var(y)))``, where
    ``vif = (1 + ρ_e ρ_y) / (1 − ρ_e ρ_y)`` corrects for autocorrelation (ρ_e, ρ_y: lag-1
    autocorrelations of the residuals from the reference line and of y over the series, each
    ≥ 0). The reference slope ``b_ref`` is the median of the window slopes; with
    ``s = sign(r_ref)``, ``z_k = s (b_ref − b_k) / se_k``. A window has lost the coupling when
    ``|r_ref| ≥ min_reference``, ``s · b_ref > 0``, ``z_k ≥ z_threshold``,
    ``s · b_k ≤ (1 − drop) |b_ref|``, ``s · r_k ≤ (1 − drop) |r_ref|`` and the window's mean y
    is within ``max_load_shift`` of the median window's. A window whose load barely moves has
    a large se and is not judged by chance (version 2 needed a load CV of 0.1 in 24 h, which
    continuous stacks, CV 0.06–0.08, never had); a negative coupling (CO falls as load rises)
    is judged as well (version 2 needed ``r_ref ≥ 0.5``).

    References
    ----------
    环发〔2015〕175号 art. 4(8) (data interfered with so that they do not reflect the process).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-06T12", dtype="datetime64[h]")
    >>> load = np.array([50.0, 90, 40, 95, 45, 85] * 6)
    >>> v = np.r_[0.4 * load[:24], [27.0, 27.4, 26.7] * 4]  # proportional, then made up
    >>> [(str(e.start), str(e.end), e.evidence["reference_slope"]) for e in load_coupling_lost(
    ...     t, v, [""] * 36, load=load, pollutant="so2", window=6, min_windows=1)]
    [('2026-01-05T23:00:00', '2026-01-06T11:00:00', 1.0)]
    """
    t, x, y, ok = running_log_pairs(
        times, values, flags, load, stop_share=stop_share, full_quantile=full_quantile
    )
    if t.size < window or ok.sum() < 3:
        return []
    fit = rolling_fit(x, y, ok, window, math.ceil(min_valid_share * window))
    if fit is None:
        return []
    slope, r, residual_var, count, load_var, mean_load = fit
    r_ref = float(np.nanmedian(r)) if reference_correlation is None else reference_correlation
    b_ref = float(np.nanmedian(slope))
    sign = 1.0 if r_ref >= 0 else -1.0
    if abs(r_ref) < min_reference or sign * b_ref <= 0:
        return []
    vif = ar1_inflation(x - b_ref * y, y, ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(residual_var * vif / (np.maximum(count - 2, 1) * load_var))
        z = np.minimum(sign * (b_ref - slope) / se, 1e6)  # a perfect fit: se 0, z capped
    weak = (sign * slope <= (1.0 - drop) * abs(b_ref)) & (sign * r <= (1.0 - drop) * abs(r_ref))
    usual_load = np.abs(mean_load - float(np.nanmedian(mean_load))) <= max_load_shift
    lost = (z >= z_threshold) & weak & usual_load
    fixed: dict[str, EvidenceValue] = {
        "reference_correlation": rounded(r_ref, 4),
        "reference": "own history" if reference_correlation is None else "given",
        "reference_slope": rounded(b_ref, 4),
        "variance_inflation": rounded(vif, 3),
        "drop": drop,
        "z_threshold": z_threshold,
    }
    describe = {
        "correlation": r,
        "slope": slope,
        "z": z,
        "z_max": np.where(lost, z, -np.inf),
    }
    return window_episodes(
        (LOST, LOST_VERSION),
        pollutant,
        t,
        lost,
        window=window,
        min_windows=min_windows,
        fixed=fixed,
        describe=describe,
    )


@register(
    FLAT,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="负荷大幅波动时污染物平稳",
    title_en="Pollutant flat while the load swings",
    source=f"{STATISTICAL}: rolling coefficients of variation of pollutant and load",
)
def flat_while_load_swings(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    window: int = 24,
    max_cv: float = 0.02,
    min_load_cv: float = 0.2,
    min_windows: int = 6,
    min_valid_share: float = 0.75,
    max_ratio: float | None = 0.25,
) -> list[Episode]:
    """Stretches where the pollutant barely moves while the load swings widely.

    Parameters
    ----------
    times, values, flags, pollutant, load
        As for ``load_coupling_lost``.
    window : int, default 24
        Values per rolling window [count].
    max_cv : float, default 0.02
        The pollutant is flat when its coefficient of variation is at most this.
    min_load_cv : float, default 0.2
        The load swings when its coefficient of variation is at least this.
    min_windows : int, default 6
        Fewest consecutive windows in a stretch [count].
    min_valid_share : float, default 0.75
        Share of valid values a window needs [fraction].
    max_ratio : float or None, default 0.25
        The facility's own reference: a window is flat only when its CV is also at most this
        share of the pollutant's usual CV while the load swings (a well-controlled pollutant
        that is always steady is not flagged). None: no reference.

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    Flagged when ``s/m`` of the pollutant ≤ ``max_cv`` and ``s/m`` of the load ≥
    ``min_load_cv`` in the same window (population standard deviations, means > 0), and
    (``max_ratio``) the pollutant's CV ≤ ``max_ratio ×`` its median CV over all windows where
    the load swings.

    References
    ----------
    环发〔2015〕175号 art. 4(8), art. 5 (data generated rather than measured).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T06", dtype="datetime64[h]")
    >>> [e.evidence["n_values"] for e in flat_while_load_swings(
    ...     t, [25.0, 25.1, 25.0, 25.1, 25.0, 25.1], [""] * 6, pollutant="so2",
    ...     load=[30.0, 90, 30, 90, 30, 90], window=6, min_windows=1, max_ratio=None)]
    [6]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    q = as_values(load, t.size, "load")
    ok = valid_mask(v, as_flags(flags, t.size))
    need = math.ceil(min_valid_share * window)
    cv = _cv(v, ok, window, need)
    load_cv = _cv(q, np.isfinite(q), window, need)
    swings = load_cv >= min_load_cv
    flat = (cv <= max_cv) & swings
    usual = float(np.nanmedian(cv[swings])) if (swings & np.isfinite(cv)).any() else np.nan
    if max_ratio is not None:
        flat &= np.isfinite(usual) & (cv <= max_ratio * usual)
    describe = {"cv": cv, "load_cv": load_cv}
    return window_episodes(
        (FLAT, VERSION),
        pollutant,
        t,
        flat,
        window=window,
        min_windows=min_windows,
        fixed={
            "max_cv": max_cv,
            "min_load_cv": min_load_cv,
            "usual_cv": rounded(usual, 4),
        },
        describe=describe,
    )
