"""Helpers every detector family shares: input checks, flag masks, runs, rolling statistics, tests.

All vectorised: loops run over episodes or flag letters, never over values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ceguan.screening.episode import Episode, EvidenceValue, Severity, iso

#: Flags of a valid value: HJ 212-2017 "N" (normal); 2005-era devices often send none.
VALID_FLAGS: tuple[str, ...] = ("", "N")
#: Flags of a value the operator marked invalid: maintenance, calibration, fault (rules.md §2.3).
MARKING_FLAGS: tuple[str, ...] = ("M", "C", "D")
#: Effective date of the built-in version-1 detectors: HJ 212-2017 (flags N/F/M/S/D/C/T/B),
#: in force 2017-05-01, defines the data they read.
HJ212_2017 = date(2017, 5, 1)
#: Source string of the detectors that rest on statistics rather than on a clause.
STATISTICAL = "statistical method"

Floats = NDArray[np.float64]
Times = NDArray[np.datetime64]
Bools = NDArray[np.bool_]
Index = NDArray[np.intp]
Duration = np.timedelta64 | timedelta

SECOND = np.timedelta64(1, "s")
HOUR = np.timedelta64(1, "h")
#: Beijing time is UTC+8 all year (no daylight saving since 1991): Beijing day = (t + this) [D].
BEIJING_OFFSET = np.timedelta64(8, "h")


def as_times(times: ArrayLike, name: str = "times") -> Times:
    """Data times as ``datetime64[s]`` (UTC), checked to be one-dimensional and non-decreasing."""
    out = np.asarray(times, dtype="datetime64[s]")
    if out.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if out.size > 1 and bool(np.any(out[1:] < out[:-1])):
        raise ValueError(f"{name} must be sorted in ascending order")
    return out


def as_values(values: ArrayLike, size: int, name: str = "values") -> Floats:
    """A float64 series aligned with the times (NaN for missing)."""
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (size,):
        raise ValueError(f"{name} has shape {out.shape}, expected ({size},) like times")
    return out


def as_flags(flags: ArrayLike, size: int) -> NDArray[np.str_]:
    """HJ 212 flags as a unicode array aligned with the times ('' for none)."""
    out = np.asarray(flags, dtype=np.str_)
    if out.shape != (size,):
        raise ValueError(f"flags has shape {out.shape}, expected ({size},) like times")
    return out


def as_limit(limit: ArrayLike, size: int, name: str = "limit") -> Floats:
    """A limit [mg/m³ or mg/L], scalar or one per value, broadcast to the series; must be > 0."""
    out = np.broadcast_to(np.asarray(limit, dtype=np.float64), (size,))
    if not bool(np.all(np.isfinite(out) & (out > 0))):
        raise ValueError(f"{name} must be finite and positive")
    return out


def seconds(duration: Duration) -> float:
    """A duration (``numpy.timedelta64`` or ``datetime.timedelta``) in seconds."""
    return float(np.timedelta64(duration) / SECOND)


def flag_in(flags: NDArray[np.str_], letters: Iterable[str]) -> Bools:
    """Whether each flag is one of ``letters`` (flags as stored: stripped, upper case)."""
    mask = np.zeros(flags.shape, dtype=bool)
    for letter in letters:
        mask |= flags == letter
    return mask


def valid_mask(
    values: Floats, flags: NDArray[np.str_], judged: Iterable[str] = VALID_FLAGS
) -> Bools:
    """Values that may be judged: finite and flagged with one of ``judged`` (default '' or N)."""
    return np.isfinite(values) & flag_in(flags, judged)


def runs(mask: Bools) -> tuple[Index, Index]:
    """First and last index (inclusive) of each run of True in ``mask``.

    >>> runs(np.array([0, 1, 1, 0, 1], dtype=bool))
    (array([1, 4]), array([2, 4]))
    """
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def window_episodes(
    rule: tuple[str, int],
    pollutant: str,
    times: Times,
    mask: Bools,
    *,
    window: int,
    min_windows: int,
    fixed: dict[str, EvidenceValue],
    describe: dict[str, Floats],
) -> list[Episode]:
    """Warning episodes for runs of at least ``min_windows`` flagged rolling windows.

    Each covers the values of its windows; ``score`` = number of values. ``describe`` holds
    per-window numbers summarised over the run by their median (keys ending ``_max``: maximum).
    """
    starts, ends = runs(mask)
    keep = ends - starts + 1 >= min_windows
    out = []
    for s, e in zip(starts[keep], ends[keep], strict=True):
        n = int(e - s + window)
        evidence: dict[str, EvidenceValue] = {"n_values": n, "window": window, **fixed}
        for key, per_window in describe.items():
            part = per_window[s : e + 1]
            evidence[key] = rounded(part.max() if key.endswith("_max") else np.median(part), 4)
        start, end = times[s], times[e + window - 1]
        out.append(Episode(*rule, pollutant, start, end, float(n), Severity.WARNING, evidence))
    return out


def hours_between(times: Times, first: Index, last: Index) -> Floats:
    """Hours from ``times[first]`` to ``times[last]``, elementwise [h]."""
    return (times[last] - times[first]) / HOUR


def remove_daily_profile(x: Floats, period: int | None) -> tuple[Floats, bool]:
    """``x`` minus its median profile over ``period`` values (a day), plus the profile's median.

    The profile is the median of the finite values at each phase ``k % period`` of a regular
    grid. Needs at least three periods of data, otherwise ``x`` comes back unchanged; the flag
    says whether the profile was removed.

    >>> x = np.tile([1.0, 5.0], 3)
    >>> remove_daily_profile(x, 2)
    (array([3., 3., 3., 3., 3., 3.]), True)
    """
    n = x.size
    if period is None or period < 2 or n < 3 * period:
        return x, False
    cycles = -(-n // period)
    grid = np.full(cycles * period, np.nan)
    grid[:n] = x
    columns = np.sort(grid.reshape(cycles, period), axis=0)  # NaN sort last
    count = np.count_nonzero(~np.isnan(columns), axis=0)
    phase = np.arange(period)
    lo, hi = np.maximum((count - 1) // 2, 0), np.maximum(count // 2, 0)
    profile = np.where(count > 0, 0.5 * (columns[lo, phase] + columns[hi, phase]), np.nan)
    if not np.isfinite(profile).any():
        return x, False
    level = float(np.median(profile[np.isfinite(profile)]))
    tiled = np.tile(profile, cycles)[:n]
    return np.where(np.isfinite(tiled), x - tiled + level, x), True


def rolling_max(x: Floats, window: int) -> Floats:
    """Maximum of each full window of ``window`` values, in O(n) (van Herk / Gil–Werman).

    >>> rolling_max(np.array([1.0, 3.0, 2.0, 5.0, 4.0]), 2)
    array([3., 3., 5., 5.])
    """
    n = x.size
    if n < window:
        return np.empty(0)
    blocks = -(-n // window)
    padded = np.full(blocks * window, -np.inf)
    padded[:n] = x
    grid = padded.reshape(blocks, window)
    prefix = np.maximum.accumulate(grid, axis=1).ravel()
    suffix = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.maximum(suffix[: n - window + 1], prefix[window - 1 : n])


def rolling_sums(x: Floats, ok: Bools, window: int) -> tuple[Floats, Floats, Floats]:
    """Count, sum and sum of squares of the ``ok`` values in each full window of ``window``.

    ``x`` is centred on its mean first so the sums of squares keep their precision.
    """
    zero = np.where(ok, x - (x[ok].mean() if ok.any() else 0.0), 0.0)
    out = []
    for series in (ok.astype(np.float64), zero, zero * zero):
        total = np.concatenate(([0.0], np.cumsum(series)))
        out.append(total[window:] - total[:-window])
    return out[0], out[1], out[2]


def rolling_mean_std(x: Floats, ok: Bools, window: int, min_count: int) -> tuple[Floats, Floats]:
    """Mean and (population) standard deviation of the ``ok`` values of each full window.

    Windows with fewer than ``min_count`` usable values get NaN. Length ``n − window + 1``.
    """
    if x.size < window:
        return np.empty(0), np.empty(0)
    count, s1, s2 = rolling_sums(x, ok, window)
    enough = count >= max(min_count, 1)
    n = np.where(enough, count, 1.0)
    centre = x[ok].mean() if ok.any() else 0.0
    mean = np.where(enough, s1 / n + centre, np.nan)
    var = np.maximum(s2 / n - (s1 / n) ** 2, 0.0)
    return mean, np.where(enough, np.sqrt(var), np.nan)


def rolling_corr(x: Floats, y: Floats, ok: Bools, window: int, min_count: int) -> Floats:
    """Pearson correlation of ``x`` and ``y`` over the ``ok`` pairs of each full window (NaN if
    fewer than ``min_count`` pairs or either side is constant)."""
    if x.size < window:
        return np.empty(0)
    cx = np.where(ok, x - (x[ok].mean() if ok.any() else 0.0), 0.0)
    cy = np.where(ok, y - (y[ok].mean() if ok.any() else 0.0), 0.0)
    # A window whose variance is a rounding residue of the whole series' variance is constant.
    tiny_x = 1e-12 * float(np.mean(cx[ok] ** 2)) if ok.any() else 0.0
    tiny_y = 1e-12 * float(np.mean(cy[ok] ** 2)) if ok.any() else 0.0
    sums = []
    for series in (ok.astype(np.float64), cx, cy, cx * cx, cy * cy, cx * cy):
        total = np.concatenate(([0.0], np.cumsum(series)))
        sums.append(total[window:] - total[:-window])
    count, sx, sy, sxx, syy, sxy = sums
    n = np.where(count > 0, count, 1.0)
    vx = sxx / n - (sx / n) ** 2
    vy = syy / n - (sy / n) ** 2
    cov = sxy / n - (sx / n) * (sy / n)
    good = (count >= max(min_count, 2)) & (vx > tiny_x) & (vy > tiny_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vx * vy)
    return np.where(good, np.clip(r, -1.0, 1.0), np.nan)


def _log_factorials(n: int) -> Floats:
    return np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))


def binomial_sf(k: int, n: int, p: float) -> float:
    """P[X ≥ k] for X ~ Binomial(n, p), exact (summed in log space).

    >>> round(binomial_sf(2, 2, 0.5), 4)
    0.25
    """
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    lf = _log_factorials(n)
    i = np.arange(k, n + 1)
    logpmf = lf[n] - lf[i] - lf[n - i] + i * np.log(p) + (n - i) * np.log1p(-p)
    return float(min(1.0, np.exp(np.logaddexp.reduce(logpmf))))


def hypergeom_sf(k: int, population: int, successes: int, draws: int) -> float:
    """P[X ≥ k] for X the successes in ``draws`` draws without replacement (Fisher's exact test,
    one-sided).

    >>> round(hypergeom_sf(2, 4, 2, 2), 4)
    0.1667
    """
    top = min(successes, draws)
    if k <= max(0, draws - (population - successes)):
        return 1.0
    if k > top:
        return 0.0
    lf = _log_factorials(population)
    i = np.arange(k, top + 1)

    def log_choose(a: int, b: NDArray[np.int64] | int) -> Floats:
        return np.asarray(lf[a] - lf[b] - lf[a - np.asarray(b)], dtype=np.float64)

    logpmf = (
        log_choose(successes, i)
        + log_choose(population - successes, draws - i)
        - log_choose(population, draws)
    )
    return float(min(1.0, np.exp(np.logaddexp.reduce(logpmf))))


def neg_log10(p: float) -> float:
    """−log10 p, capped at 300 for a p that underflows to 0 (a score, larger is stronger)."""
    return float(min(300.0, -np.log10(max(p, 1e-300))))


def at(times: Times, index: int | np.integer) -> str:
    """ISO string of ``times[index]`` for evidence."""
    return iso(times[int(index)])


def rounded(x: float | np.floating, digits: int = 6) -> float:
    """A float for evidence, rounded so that it reads as the arithmetic does."""
    return round(float(x), digits)
