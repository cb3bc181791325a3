"""Minute values that jump at random (分钟数据随机跳动): day by day, against the series' own."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    BEIJING_OFFSET,
    HJ212_2017,
    STATISTICAL,
    Bools,
    Duration,
    Floats,
    Index,
    Times,
    as_flags,
    as_times,
    as_values,
    rounded,
    runs,
    seconds,
    valid_mask,
)
from ceguan.screening.detectors.constant import step_share
from ceguan.screening.detectors.stops import running_rows
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

RULE_ID = "minute_jumps_rose"
VERSION = 1
MINUTE = np.timedelta64(60, "s")


def daily_jumps(
    times: Times, x: Floats, ok: Bools, *, trim: float
) -> tuple[np.ndarray, Floats, Floats, Index, Index, Index]:
    """Per Beijing day: persistence and jump size of the consecutive minute pairs of ``x``.

    A pair is two ``ok`` values one minute apart on the same Beijing day. Per day: ``ρ``, the
    correlation of each pair's earlier and later value (lag-1 autocorrelation), and ``J``, the
    mean absolute difference ``|x[i] − x[i−1]|``, each capped at the day's ``trim`` quantile
    (a spike counts as one large jump). Returns the days, ``ρ``, ``J``, the pair counts and,
    per day, the indices of its first and last value (the first pair's earlier value, the last
    pair's later one). ``ρ`` is NaN where the day's values do not move.

    >>> t = np.arange("2026-01-05T00:00", "2026-01-05T00:05", dtype="datetime64[m]")
    >>> days, rho, jump, n, first, last = daily_jumps(
    ...     t, np.array([1.0, 2, 3, 4, 5]), np.ones(5, bool), trim=1.0)
    >>> str(days[0]), float(rho[0]), float(jump[0]), int(n[0]), int(first[0]), int(last[0])
    ('2026-01-05', 1.0, 1.0, 4, 0, 4)
    """
    day = (times + BEIJING_OFFSET).astype("datetime64[D]")
    later = (
        np.flatnonzero(ok[1:] & ok[:-1] & (np.diff(times) == MINUTE) & (day[1:] == day[:-1])) + 1
    )
    if not later.size:
        empty = np.zeros(0, np.int64)
        return day[:0], np.zeros(0), np.zeros(0), empty, empty, empty
    on = day[later]  # ascending: each day's pairs are contiguous
    new = np.r_[True, on[1:] != on[:-1]]
    days, which = on[new], np.cumsum(new) - 1
    n = np.bincount(which, minlength=days.size)
    a, b = x[later - 1], x[later]

    def total(v: Floats) -> Floats:
        return np.bincount(which, weights=v, minlength=days.size)

    ma, mb = total(a) / n, total(b) / n
    da, db = a - ma[which], b - mb[which]
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = total(da * db) / np.sqrt(total(da * da) * total(db * db))
    step = np.abs(b - a)
    scale = 2.0 * float(step.max()) + 1.0  # sorts by day, then by jump size (one float sort)
    starts = np.r_[0, np.cumsum(n)[:-1]]
    cap_at = starts + np.minimum(np.floor(trim * (n - 1)).astype(np.int64), n - 1)
    cap = np.sort(which * scale + step)[cap_at] - np.arange(days.size) * scale
    jump = total(np.minimum(step, cap[which])) / n
    first, last = later[starts] - 1, later[starts + n - 1]
    return days, rho, jump, n, first, last


def _changed(
    z: Floats, jump: Floats, judged: Bools, *, drop: float, ratio: float, passes: int
) -> tuple[Bools, float, float]:
    """Days whose persistence fell by ``drop`` (Fisher z) and whose jumps grew ``ratio``-fold
    against references that leave such days out (at most ``passes`` passes), and the
    references (``atanh ρ_ref``, ``ln J_ref``)."""
    lj = np.log(np.where(judged, jump, 1.0))
    use = judged.copy()
    z_ref = j_ref = math.nan
    for _ in range(passes):
        z_ref, j_ref = float(np.median(z[use])), float(np.median(lj[use]))
        changed = judged & (z_ref - z >= drop) & (lj - j_ref >= math.log(ratio))
        keep = judged & ~changed
        if (keep == use).all() or keep.sum() < max(3, judged.sum() // 4):
            break
        use = keep
    changed = judged & (z_ref - z >= drop) & (lj - j_ref >= math.log(ratio))
    return changed, z_ref, j_ref


def _load_changed(
    t: Times,
    load: Floats,
    ok: Bools,
    days: np.ndarray,
    *,
    min_pairs: int,
    trim: float,
    **tuning: Any,
) -> Bools:
    """Which of ``days`` the load's own minutes (on the pollutant's rows) changed on, by the
    same test as the pollutant's; none where the load has too few judged days."""
    with np.errstate(invalid="ignore"):
        usable = ok & np.isfinite(load) & (load > 0)
    y = np.log(np.where(usable, load, 1.0))
    load_days, rho, jump, n, _, _ = daily_jumps(t, y, usable, trim=trim)
    judged = (n >= min_pairs) & np.isfinite(rho) & (jump > 0)
    if judged.sum() < 3:
        return np.zeros(days.size, dtype=bool)
    z = np.arctanh(np.clip(np.where(judged, rho, 0.0), -0.999, 0.999))
    changed, _, _ = _changed(z, jump, judged, **tuning)
    return np.isin(days, load_days[changed])


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="分钟数据随机跳动",
    title_en="Minute values jump at random",
    source=f"{STATISTICAL}: daily lag-1 autocorrelation and jump size of minute values against "
    "the series' own days",
)
def minute_jumps_rose(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    interval: Duration,
    load: ArrayLike | None = None,
    drop: float = 0.4,
    ratio: float = 1.4,
    min_days: int = 3,
    min_judged_days: int = 7,
    min_pairs: int = 360,
    min_reference: float = 0.5,
    trim: float = 0.99,
    coarse_share: float = 0.5,
    passes: int = 3,
    stop_share: float = 0.2,
    full_quantile: float = 0.9,
) -> list[Episode]:
    """Stretches of days whose minute values follow each other far less, and jump far more,
    than on the series' other days.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values, flags : array of float, array of str
        The pollutant [its unit] (NaN: missing; only values > 0 flagged N or none are used).
    pollutant : str
        Glossary name of the series.
    interval : timedelta
        Only minute data are judged, in pairs one minute apart (HJ 212 MinInterval 1).
    load : array of float, optional
        Load or flow on ``times``: stopped rows are left out, and a day on which the load's own
        minutes changed the same way is not judged (the logger changed, not this series).
    drop : float, default 0.4
        A day's persistence has fallen when ``atanh ρ_ref − atanh ρ_day`` reaches this: from
        0.90 to 0.80, or from 0.80 to 0.62 [Fisher z].
    ratio : float, default 1.4
        … and its jumps have grown when ``J_day ≥ ratio · J_ref`` [factor].
    min_days : int, default 3
        Fewest consecutive changed days in a stretch (days without enough pairs neither count
        nor break it): made-up data are kept up for days, a fault of hours is not this rule's.
    min_judged_days : int, default 7
        Fewest judged days the series needs for a reference [days].
    min_pairs : int, default 360
        Consecutive running minute pairs a day needs to be judged (6 h) [count].
    min_reference : float, default 0.5
        The series' usual persistence ``ρ_ref`` must reach this.
    trim : float, default 0.99
        Each day's jumps are capped at this quantile of them [fraction].
    coarse_share : float, default 0.5
        A coarse analyser (``constant_run``'s ``step_share``: this share of its moves of one
        size) is not judged: its jumps and persistence measure its rounding (the real water
        series: chlorine 0.01 mg/L, temperature 0.1 °C).
    passes : int, default 3
        The references are medians over the judged days, taken again without the days they
        call changed, at most this many times (a made-up stretch pulls a plain median).
    stop_share, full_quantile : float, default 0.2 and 0.9
        Stopped: load ≤ ``stop_share`` × its ``full_quantile`` quantile (a stop is
        ``reported_while_stopped``'s).

    Returns
    -------
    list of Episode
        One per stretch, from its first day's first pair to its last day's last; ``score`` =
        median jump ratio ``J_day / J_ref`` over the stretch.

    Notes
    -----
    An analyser's minute values follow each other: the process and the analyser's response
    time carry most of one minute into the next, and the jumps are its own small noise; a data
    logger making values up around a set point draws a new number every minute. On
    ``x = ln value`` (noise scales with the level), per Beijing day over its running pairs
    (:func:`daily_jumps`): persistence ``ρ_day`` and mean jump ``J_day``. With the medians
    ``ρ_ref`` and ``J_ref`` over the judged days (see ``passes``), a day has changed when
    ``atanh ρ_ref − atanh ρ_day ≥ drop`` and ``J_day ≥ ratio · J_ref``. Both are needed:
    persistence alone falls on a quiet day (little slow swing for the noise to ride on), jumps
    alone grow on a busy one; a day of random-like values shows both (docs/detectors.md).

    References
    ----------
    环发〔2015〕175号 art. 4(8) (data interfered with so that they do not reflect the process).

    Examples
    --------
    >>> t = np.arange("2026-01-04T16:00", "2026-01-14T16:00", dtype="datetime64[m]")
    >>> k = np.arange(t.size)
    >>> smooth = 50 * np.exp(0.1 * np.sin(k / 30.0) + 0.005 * np.sin(k * 2.1))
    >>> rough = 50 * np.exp(0.1 * np.sin(k / 30.0) + 0.05 * np.sin(k * 2.1))
    >>> v = np.where((k >= 4 * 1440) & (k < 8 * 1440), rough, smooth)  # Beijing days 5–8
    >>> [(str(e.start), str(e.end)) for e in minute_jumps_rose(
    ...     t, v, ["N"] * t.size, pollutant="so2", interval=np.timedelta64(1, "m"))]
    [('2026-01-08T16:00:00', '2026-01-12T15:59:00')]
    """
    if seconds(interval) != 60.0:
        return []
    t = as_times(times).astype("datetime64[s]")
    v = as_values(values, t.size)
    f = as_flags(flags, t.size)
    with np.errstate(invalid="ignore"):
        ok = valid_mask(v, f) & (v > 0)
    q = None if load is None else as_values(load, t.size, "load")
    if q is not None:
        ok &= running_rows(f, q, stop_share=stop_share, full_quantile=full_quantile)
    if ok.sum() < min_pairs * min_judged_days:
        return []
    x = np.log(np.where(ok, v, 1.0))
    pairs = ok[1:] & ok[:-1] & (np.diff(t) == MINUTE)
    coarse = step_share(np.where(ok, v, np.nan), pairs)
    if coarse >= coarse_share:  # NaN (nothing moves) is not coarse; low_variance's then
        return []
    days, rho, jump, n, first, last = daily_jumps(t, x, ok, trim=trim)
    judged = (n >= min_pairs) & np.isfinite(rho) & (jump > 0)
    if judged.sum() < min_judged_days:
        return []
    z = np.arctanh(np.clip(np.where(judged, rho, 0.0), -0.999, 0.999))
    changed, z_ref, j_ref = _changed(z, jump, judged, drop=drop, ratio=ratio, passes=passes)
    if math.tanh(z_ref) < min_reference:
        return []
    if q is not None:
        tuning = {"drop": drop, "ratio": ratio, "trim": trim, "passes": passes}
        changed &= ~_load_changed(t, q, ok, days, min_pairs=min_pairs, **tuning)
    keep_days = np.flatnonzero(judged)
    starts, ends = runs(changed[keep_days])
    out = []
    for s, e in zip(starts, ends, strict=True):
        if e - s + 1 < min_days:
            continue
        inside = keep_days[s : e + 1]  # judged days, every one changed
        jump_ratio = jump[inside] / math.exp(j_ref)
        evidence: dict[str, EvidenceValue] = {
            "days": int(inside.size),
            "first_day": str(days[inside[0]]),
            "last_day": str(days[inside[-1]]),
            "reference_persistence": rounded(math.tanh(z_ref), 4),
            "persistence": rounded(float(np.median(rho[inside])), 4),
            "persistence_min": rounded(float(rho[inside].min()), 4),
            "reference_jump": rounded(math.exp(j_ref), 6),
            "jump_ratio": rounded(float(np.median(jump_ratio)), 4),
            "jump_ratio_min": rounded(float(jump_ratio.min()), 4),
            "pairs": int(n[inside].sum()),
            "step_share": None if math.isnan(coarse) else rounded(coarse, 4),
            "drop": drop,
            "ratio": ratio,
        }
        out.append(
            Episode(
                RULE_ID,
                VERSION,
                pollutant,
                t[first[inside[0]]],
                t[last[inside[-1]]],
                float(np.median(jump_ratio)),
                Severity.WARNING,
                evidence,
            )
        )
    return out
