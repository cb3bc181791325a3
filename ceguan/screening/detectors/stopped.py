"""Normal data at the running level while the load says the plant is stopped (停运仍报数据)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    Duration,
    as_flags,
    as_times,
    as_values,
    rounded,
    runs,
    seconds,
    valid_mask,
)
from ceguan.screening.detectors.stops import full_load, stopped_by_load
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

RULE_ID = "reported_while_stopped"
VERSION = 1
ONE_DAY = np.timedelta64(24, "h")


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="停运期间仍报正常数据",
    title_en="Normal data reported while the plant is stopped",
    source=f"{STATISTICAL}: the pollutant's valid values against the load's stops; HJ 212-2017 "
    "data flag F (停运)",
)
def reported_while_stopped(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    stop_share: float = 0.2,
    full_quantile: float = 0.9,
    running_share: float = 0.5,
    min_count: int = 3,
    join_within: Duration = ONE_DAY,
) -> list[Episode]:
    """Runs of values flagged normal, at the pollutant's running level, while the load is stopped.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        The pollutant [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags of the pollutant; only N (or none) is judged: a stop the device flags F
        (or marks M, C, D) is never reported.
    pollutant : str
        Glossary name of the series.
    load : array of float
        Load or flow aligned on ``times`` [its unit]; NaN where unknown (not judged).
    stop_share : float, default 0.2
        The plant is stopped when the load is at most this share of its full load.
    full_quantile : float, default 0.9
        The full load is this quantile of the load over the series: a day-shift plant is
        stopped more than half of the time, so its median load is a stopped one [fraction].
    running_share : float, default 0.5
        A value is at the running level when it lies between this share of the median of the
        pollutant's valid values while the plant runs and that median divided by this share
        [fraction]: a stopped stack's O2 at ambient 20.9 % is not a running O2 of 8 %.
    min_count : int, default 3
        Fewest consecutive values in a run [count]: a shutdown hour whose mean load has already
        fallen while the analyser still saw flue gas is not a run.
    join_within : timedelta, default 24 h
        Runs at most this apart are one episode (a day-shift plant sending made-up values every
        night is one alarm, not one a night).

    Returns
    -------
    list of Episode
        One per group of runs; ``score`` = number of values.

    Notes
    -----
    ``full = quantile(load, full_quantile)``; the plant is stopped at
    ``load ≤ stop_share · full``;
    ``running_level`` = median of the valid values (flag N or none) while it runs. Judged:
    valid values while stopped with
    ``running_share · running_level ≤ value ≤ running_level / running_share``; runs of at least
    ``min_count`` consecutive such values, joined when at most ``join_within`` apart, are
    reported. A stopped stack carries air and a stopped outlet no effluent: the analysers read
    near zero and the device flags F. Values that keep their running level, flagged normal,
    through a stop are not measured at the source (a data logger sending made-up values,
    环发〔2015〕175号 art. 4(8)), or the flag is wrong; either way the evidence shows the load
    beside them.

    References
    ----------
    HJ 212-2017 Table 8 (flag F: 停运, the source or instrument stopped);
    环发〔2015〕175号 art. 4(8) (data interfered with so that they do not reflect the process).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T08", dtype="datetime64[h]")
    >>> load = [100.0, 98, 3, 2, 2, 1, 99, 101]  # stopped 02:00–05:00
    >>> v = [40.0, 42, 41, 39, 44, 0.5, 40, 38]  # running level until 04:00
    >>> [(str(e.start), str(e.end), e.evidence["n_values"]) for e in reported_while_stopped(
    ...     t, v, ["N"] * 8, pollutant="so2", load=load)]
    [('2026-01-05T02:00:00', '2026-01-05T04:00:00', 3)]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    q = as_values(load, t.size, "load")
    if not np.isfinite(q).any():
        return []
    valid = valid_mask(v, as_flags(flags, t.size))
    full = full_load(q, full_quantile)
    stopped = stopped_by_load(q, stop_share=stop_share, full=full)
    running = valid & np.isfinite(q) & ~stopped
    if full <= 0 or not running.any() or not (valid & stopped).any():
        return []
    running_level = float(np.median(v[running]))
    with np.errstate(invalid="ignore"):
        near = (v >= running_share * running_level) & (v <= running_level / running_share)
    hit = valid & stopped & near
    starts, ends = runs(hit)
    keep = ends - starts + 1 >= min_count
    starts, ends = starts[keep], ends[keep]
    if not starts.size:
        return []
    # stops less than join_within apart (a day-shift plant's nights) make one episode
    gap = t[starts[1:]] - t[ends[:-1]]
    new_group = np.concatenate(([True], gap > np.timedelta64(int(seconds(join_within)), "s")))
    group = np.cumsum(new_group) - 1
    episodes = []
    for g in range(int(group[-1]) + 1):
        first, last = starts[group == g], ends[group == g]
        rows = np.concatenate([np.arange(a, b + 1) for a, b in zip(first, last, strict=True)])
        seg = v[rows]
        n = int(rows.size)
        evidence: dict[str, EvidenceValue] = {
            "n_values": n,
            "n_stops": int(first.size),
            "full_load": rounded(full),
            "stop_share": stop_share,
            "max_load_seen": rounded(q[rows].max()),
            "running_level": rounded(running_level),
            "running_share": running_share,
            "median_value": rounded(np.median(seg)),
            "share_of_running": rounded(float(np.median(seg)) / running_level, 4)
            if running_level > 0
            else None,
        }
        episodes.append(
            Episode(
                RULE_ID,
                VERSION,
                pollutant,
                t[first[0]],
                t[last[-1]],
                float(n),
                Severity.WARNING,
                evidence,
            )
        )
    return episodes
