"""Constant value (恒值): the same valid value reported over and over."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    VALID_FLAGS,
    Bools,
    Duration,
    Floats,
    Index,
    as_flags,
    as_times,
    as_values,
    at,
    hours_between,
    rounded,
    runs,
    seconds,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "constant_run"
#: 2: the own-history tail guard (issue 4: coarse quiet analyzers on real data). 3: min_duration
#: 2 h (was 4 h): a run that fills a whole hourly average is reported (issue 4, fourth round).
VERSION = 3
TWO_HOURS = np.timedelta64(2, "h")


def tail_need(others: Index, tail_runs: int, alpha: float) -> float | None:
    """Equalities a run needs to be rare among the series' other runs (None: too few of them).

    ``others``: equalities of the other runs of the series (runs of ≥ 1 equality; only the
    ``tail_runs + 1`` longest matter). The ``tail_runs`` longest are taken as the tail above
    ``u``, the next longest; their excesses over ``u`` are fitted by an exponential distribution
    of scale ``μ = median / ln 2`` (the median resists one earlier fault in the tail), which
    expects ``tail_runs · exp(−x / μ)`` runs longer than ``u + x``; this is at most ``alpha``
    from ``x = μ · ln(tail_runs / alpha)``.

    >>> tail_need(np.array([1, 1, 2, 3, 10, 12, 14, 20]), 4, 0.01)  # u = 3, median excess 10
    89.43...
    """
    if others.size <= tail_runs:
        return None
    top = np.sort(others)[::-1][: tail_runs + 1]
    u = float(top[tail_runs])
    scale = float(np.median(top[:tail_runs] - u)) / math.log(2.0)
    return u + scale * math.log(tail_runs / alpha)


def step_share(x: Floats, pairs: Bools) -> float:
    """Share of the series' moves that are of their most common size (a measure of coarseness).

    Over the judged consecutive pairs that differ, ``|x[k] − x[k−1]|`` (to 1e-9 of the series'
    magnitude); NaN when nothing moves. A coarse analyzer on a quiet process moves one or a few
    steps at a time (a 0.1 °C thermometer steps by 0.1: share near 1; a 1 µS/cm conductivity
    meter by 1–4 µS/cm: 0.38); a full-resolution series rarely moves by the same amount twice
    (share near 0).

    >>> round(step_share(np.array([4.6, 4.7, 4.7, 4.6, 4.8, 4.8]), np.ones(5, bool)), 4)
    0.6667
    """
    moves = np.abs(np.diff(x))[pairs]
    moves = moves[moves > 0]
    if not moves.size:
        return float("nan")
    # Round away floating-point noise (4.7 − 4.6 ≠ 4.8 − 4.7): 1e-9 of the series' magnitude.
    scale = 10.0 ** (np.floor(np.log10(np.max(np.abs(x[np.isfinite(x)])))) - 9)
    _, counts = np.unique(np.round(moves / scale).astype(np.int64), return_counts=True)
    return float(counts.max() / moves.size)


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据恒值",
    title_en="Constant value run",
    source=f"{STATISTICAL}: run length of identical consecutive values; 环发〔2015〕175号 art. 5",
)
def constant_run(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    min_count: int = 5,
    min_duration: Duration = TWO_HOURS,
    floor: float = 0.0,
    judged_flags: tuple[str, ...] = VALID_FLAGS,
    alpha: float | None = 0.01,
    tail_runs: int | None = 20,
    coarse_share: float = 0.1,
) -> list[Episode]:
    """Runs of identical consecutive valid values, long in count and in time.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        The series [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags; values whose flag is not in ``judged_flags`` break runs and are not judged.
    pollutant : str
        Glossary name of the series.
    min_count : int, default 5
        Fewest identical values in a run [count].
    min_duration : timedelta, default 2 h
        Shortest span from the first to the last value of a run. On minute data a run of 2 h
        fills at least one whole clock hour wherever it starts (119 minute values do): the hourly
        average reported for that hour is then the held value itself. On hourly data
        ``min_count`` decides (5 values span 4 h). Version 2: 4 h.
    floor : float, default 0.0
        Runs at or below this value are left to ``zero_or_negative``, which knows whether the
        plant was running [unit of values].
    judged_flags : tuple of str, default ('', 'N')
        Flags of the values judged. A flat value under F (stopped), M, C or D is the state the
        device declared, not an anomaly.
    alpha : float or None, default 0.01
        Chance guards: the number of runs this long the series' own behaviour would give by
        chance; a run is reported only when it is longer than that (None: no guard).
    tail_runs : int or None, default 20
        Own-history guard (version 2): the longest ``tail_runs`` other runs of the series set
        how long its flat stretches get on a quiet process; with fewer other runs (a series at
        full resolution, a short history) only the repeat-rate guard applies [count]. None: no
        such guard.
    coarse_share : float, default 0.1
        The own-history guard applies only to a coarse series: at least this share of its moves
        are of its most common size (:func:`step_share`) [fraction]. A coarse analyzer moves by
        one to a few steps of its resolution (GECCO drinking water: 0.33–1.0); a series at full
        resolution spreads its moves over hundreds of sizes (share ≈ 0.8 · step / σ_Δ for normal
        moves of sd σ_Δ, so 0.1 is σ_Δ ≈ 8 steps) and cannot be flat for hours on its own: its
        other long runs are faults too, and only the repeat-rate guard applies.

    Returns
    -------
    list of Episode
        One per run; ``score`` = run duration [h].

    Notes
    -----
    Values i … j form a run when every one is judged and ``x[k] == x[k−1]`` for k in i+1 … j
    (exact equality of the stored numbers). Reported when ``j − i + 1 ≥ min_count``,
    ``t[j] − t[i] ≥ min_duration``, ``x[i] > floor`` and the run's ``k = j − i`` equalities
    reach ``min_equal``, the largest of ``min_count − 1`` and the two guards below.

    Repeat-rate guard (version 1): with ``p`` = share of consecutive judged pairs that are equal
    and ``m`` = number of judged pairs, both outside the run judged (and, from version 2,
    outside runs at or below ``floor``), a run of k equalities has chance about ``m · p^k`` if
    pairs were independent: ``k ≥ log(alpha / m) / log(p)``.

    Own-history guard (version 2): a coarse analyzer (0.1 °C, 1 µS/cm) on a quiet process does
    not repeat values independently: it stays on one step for hours while the process drifts
    by less than the step, so its runs are far longer than ``p`` predicts. The other runs of
    the series (not the one judged, nor runs at or below ``floor``) show how long they get: the
    excesses of the ``tail_runs`` longest over the next longest ``u`` are fitted by an
    exponential tail of scale ``μ = median(excess) / ln 2``, and
    ``k ≥ u + μ · ln(tail_runs / alpha)`` (at most ``alpha`` other runs that long expected;
    :func:`tail_need`). The guard applies only when the series is coarse
    (``step_share ≥ coarse_share``: it moves by a few steps of its resolution, so quantisation
    explains its runs). A series at three decimals moves by ever different amounts:
    its long runs are faults (an analyzer stuck every other day must not teach the rule that
    stuck is normal) and ``min_count`` decides. A coarse analyzer stuck on one value is reported
    when it is flat for longer than its own quiet stretches.

    References
    ----------
    环发〔2015〕175号《环境监测数据弄虚作假行为判定及处理办法》 art. 5 (data generated without
    measurement). Coles S. (2001), An Introduction to Statistical Modeling of Extreme Values,
    Springer, §4.2 (threshold exceedances; an exponential tail is the shape-0 case).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T08", dtype="datetime64[h]")
    >>> v = [3.1, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 2.2]
    >>> [(e.evidence["n_values"], e.score) for e in constant_run(t, v, [""] * 8, pollutant="so2")]
    [(6, 5.0)]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    ok = valid_mask(v, as_flags(flags, t.size), judged_flags)
    pairs = ok[1:] & ok[:-1]
    same = pairs & (v[1:] == v[:-1])
    starts, ends = runs(same)
    k = ends - starts + 1  # equalities in each run
    quiet = v[starts] > floor  # runs at or below the floor (zeros) are left to zero_or_negative
    floored = int(k[~quiet].sum())  # and say nothing of the series' resolution (version 2)
    others = np.maximum(int(pairs.sum()) - floored - k, 1)
    share = (int(same.sum()) - floored - k) / others  # repeat rate of the rest of the series
    min_equal = np.full(k.size, min_count - 1, dtype=np.int64)
    if alpha is not None:
        guarded = (share > 0.0) & (share < 1.0)
        with np.errstate(divide="ignore"):
            need = np.log(alpha / others[guarded]) / np.log(share[guarded])
        min_equal[guarded] = np.maximum(min_equal[guarded], np.ceil(need).astype(np.int64))
    ends = ends + 1  # a run of k equalities covers k + 1 values
    hours = hours_between(t, starts, ends)
    long = (hours >= seconds(min_duration) / 3600.0) & quiet
    candidates = np.flatnonzero(long & (k >= min_equal))  # few
    coarse = float("nan")
    if candidates.size and alpha is not None and tail_runs is not None:
        coarse = step_share(v, pairs)
    own = bool(coarse >= coarse_share)  # NaN (no guard, or nothing moves): not coarse
    m = tail_runs or 0
    top = np.sort(k[quiet])[::-1][: m + 2] if own else k[:0]  # the longest runs, sorted once
    enough = own and int(quiet.sum()) - 1 > m
    tail: dict[int, float | None] = {}
    for i in candidates:
        tail[i] = None
        if enough and alpha is not None:
            same_length = np.flatnonzero(top == k[i])  # leave the run judged out
            rest = np.delete(top, same_length[0]) if same_length.size else top
            tail[i] = need_i = tail_need(rest[: m + 1], m, alpha)
            if need_i is not None:
                min_equal[i] = max(int(min_equal[i]), math.ceil(need_i))
    episodes = []
    for i in sorted(tail):
        if k[i] < min_equal[i]:
            continue
        s, e = starts[i], ends[i]
        evidence = {
            "value": rounded(v[s]),
            "n_values": int(e - s + 1),
            "duration_h": rounded(hours[i], 3),
            "first": at(t, s),
            "last": at(t, e),
            "share_repeated": rounded(share[i], 4),
            "min_equal": int(min_equal[i]),
            "longest_other_run": int(np.delete(k, i)[np.delete(quiet, i)].max(initial=0)) + 1,
            "step_share": None if np.isnan(coarse) else rounded(coarse, 4),
            "own_tail": tail[i] is not None,
        }
        episodes.append(
            Episode(
                RULE_ID, VERSION, pollutant, t[s], t[e], float(hours[i]), Severity.WARNING, evidence
            )
        )
    return episodes
