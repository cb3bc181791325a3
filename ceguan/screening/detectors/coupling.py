"""Pollutant decoupled from load (与工况脱节): lost correlation, or flat while the load swings."""

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
    rolling_corr,
    rolling_mean_std,
    rounded,
    valid_mask,
    window_episodes,
)
from ceguan.screening.episode import Episode, EvidenceValue
from ceguan.screening.phases import STOPPED
from ceguan.screening.registry import register

LOST = "load_coupling_lost"
FLAT = "flat_while_load_swings"
VERSION = 1
LOST_VERSION = 2  # 2: windows over running values, 48 windows (issue 4)


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
    source=f"{STATISTICAL}: rolling correlation with load against its own history",
)
def load_coupling_lost(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    reference_correlation: float | None = None,
    window: int = 24,
    min_reference: float = 0.5,
    drop: float = 0.5,
    min_load_cv: float = 0.1,
    min_windows: int = 48,
    min_valid_share: float = 0.75,
    reference_quantile: float = 0.5,
) -> list[Episode]:
    """Stretches where the pollutant–load correlation falls far below its usual level.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    values : array of float
        The pollutant (or its mass rate) [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags of the pollutant; only N (or none) is used.
    pollutant : str
        Glossary name of the series.
    load : array of float
        Load or flow aligned on ``times`` [its unit].
    reference_correlation : float, optional
        The facility's usual correlation (from an earlier period); by default the
        ``reference_quantile`` of the series' own rolling correlations.
    window : int, default 24
        Values per rolling window [count].
    min_reference : float, default 0.5
        Below this reference there is no coupling to lose, and nothing is reported.
    drop : float, default 0.5
        A window has lost the coupling when ``r < reference − drop``.
    min_load_cv : float, default 0.1
        Only windows where the load varies this much are judged (a steady load says nothing).
    min_windows : int, default 48
        Fewest consecutive windows in a stretch [count]: decoupling is a practice kept up for
        days; a day of weak correlation happens by chance in a noisy analyzer.
    min_valid_share : float, default 0.75
        Share of valid pairs a window needs [fraction].
    reference_quantile : float, default 0.5
        Quantile of the own rolling correlations taken as the usual coupling. The upper
        quartile (0.75) would keep the reference when days of the series are decoupled, but a
        plant whose coupling is weak and erratic (the gas turbine's NOx, median r −0.12) then
        gets a high reference and false alarms (2.05 per 100 facility-days), so the median.

    Returns
    -------
    list of Episode
        One per stretch; ``score`` = number of values covered.

    Notes
    -----
    Values flagged F (unit stopped) are left out first and the windows run over the running
    values: a shift plant (07–20 h) otherwise never has 75 % valid values in 24 h, and a stopped
    plant has no coupling to judge.
    ``r_k`` = Pearson correlation of pollutant and load over window k; flagged when
    ``r_ref ≥ min_reference``, ``r_k < r_ref − drop`` and ``cv_k(load) ≥ min_load_cv``.

    References
    ----------
    环发〔2015〕175号 art. 4(8) (data interfered with so that they do not reflect the process).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T12", dtype="datetime64[h]")
    >>> load = [50.0, 90, 40, 95, 45, 85] * 2
    >>> v = [20.0, 36, 16, 38, 18, 34] + [30.0, 24, 33, 22, 31, 25]  # then anti-correlated
    >>> [(str(e.start), e.evidence["correlation"]) for e in load_coupling_lost(t, v, [""] * 12,
    ...     load=load, pollutant="so2", reference_correlation=0.95, window=6, min_windows=1)]
    [('2026-01-05T03:00:00', -0.378)]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    q = as_values(load, t.size, "load")
    f = as_flags(flags, t.size)
    running = f != STOPPED  # a stopped plant has no coupling to judge: windows of running values
    t, v, q, f = t[running], v[running], q[running], f[running]
    ok = valid_mask(v, f) & np.isfinite(q)
    need = math.ceil(min_valid_share * window)
    r = rolling_corr(v, q, ok, window, need)
    if not np.isfinite(r).any():
        return []
    reference = (
        float(np.nanquantile(r, reference_quantile))
        if reference_correlation is None
        else float(reference_correlation)
    )
    if reference < min_reference:
        return []
    load_cv = _cv(q, np.isfinite(q), window, need)
    lost = (r < reference - drop) & (load_cv >= min_load_cv)
    fixed: dict[str, EvidenceValue] = {
        "reference_correlation": rounded(reference, 4),
        "reference": "own history" if reference_correlation is None else "given",
        "drop": drop,
    }
    describe = {"correlation": r, "load_cv": load_cv}
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
        fixed={"max_cv": max_cv, "min_load_cv": min_load_cv, "usual_cv": rounded(usual, 4)},
        describe=describe,
    )
