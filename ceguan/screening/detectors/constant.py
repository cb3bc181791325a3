"""Constant value (恒值): the same valid value reported over and over."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    VALID_FLAGS,
    Duration,
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
VERSION = 1
FOUR_HOURS = np.timedelta64(4, "h")


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
    min_duration: Duration = FOUR_HOURS,
    floor: float = 0.0,
    judged_flags: tuple[str, ...] = VALID_FLAGS,
    alpha: float | None = 0.01,
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
    min_duration : timedelta, default 4 h
        Shortest span from the first to the last value of a run.
    floor : float, default 0.0
        Runs at or below this value are left to ``zero_or_negative``, which knows whether the
        plant was running [unit of values].
    judged_flags : tuple of str, default ('', 'N')
        Flags of the values judged. A flat value under F (stopped), M, C or D is the state the
        device declared, not an anomaly.
    alpha : float or None, default 0.01
        Resolution guard: the number of runs this long the series' own rate of repeated
        values would give by chance; a run is reported only when it is longer than that
        (None: no guard).

    Returns
    -------
    list of Episode
        One per run; ``score`` = run duration [h].

    Notes
    -----
    Values i … j form a run when every one is judged and ``x[k] == x[k−1]`` for k in i+1 … j
    (exact equality of the stored numbers). Reported when ``j − i + 1 ≥ min_count``,
    ``t[j] − t[i] ≥ min_duration`` and ``x[i] > floor``. Rows missing from the arrays do not
    break a run: the runner passes the series on its regular grid with NaN for missing values.

    Resolution guard: a device that reports to a coarse resolution (0.1 °C, 0.01 pH) repeats
    values on a quiet process. With ``p`` = share of consecutive judged pairs that are equal and
    ``m`` = number of judged pairs, both outside the run judged, a run of k equalities has
    chance about ``m · p^k``; a run needs ``k ≥ log(alpha / m) / log(p)`` equalities
    (``min_equal`` in the evidence). For a series at the usual three decimals ``p`` ≈ 0 and
    ``min_count`` decides.

    References
    ----------
    环发〔2015〕175号《环境监测数据弄虚作假行为判定及处理办法》 art. 5 (data generated without
    measurement).

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
    others = np.maximum(int(pairs.sum()) - k, 1)
    share = (int(same.sum()) - k) / others  # repeat rate of the rest of the series
    min_equal = np.full(k.size, min_count - 1, dtype=np.int64)
    if alpha is not None:
        guarded = (share > 0.0) & (share < 1.0)
        with np.errstate(divide="ignore"):
            need = np.log(alpha / others[guarded]) / np.log(share[guarded])
        min_equal[guarded] = np.maximum(min_equal[guarded], np.ceil(need).astype(np.int64))
    ends = ends + 1  # a run of k equalities covers k + 1 values
    hours = hours_between(t, starts, ends)
    keep = (k >= min_equal) & (hours >= seconds(min_duration) / 3600.0) & (v[starts] > floor)
    episodes = []
    for s, e, h, p, need in zip(
        starts[keep], ends[keep], hours[keep], share[keep], min_equal[keep], strict=True
    ):
        evidence = {
            "value": rounded(v[s]),
            "n_values": int(e - s + 1),
            "duration_h": rounded(h, 3),
            "first": at(t, s),
            "last": at(t, e),
            "share_repeated": rounded(p, 4),
            "min_equal": int(need),
        }
        episodes.append(
            Episode(RULE_ID, VERSION, pollutant, t[s], t[e], float(h), Severity.WARNING, evidence)
        )
    return episodes
