"""Missing data (缺失) and late data (迟报): gaps against the expected interval, late receipts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    HOUR,
    Duration,
    Index,
    Times,
    as_times,
    as_values,
    at,
    rounded,
    seconds,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

MISSING = "missing_data"
LATE = "late_data"
VERSION = 1
TWO_HOURS = np.timedelta64(2, "h")
TEN_MINUTES = np.timedelta64(10, "m")
SOURCE = "HJ 212-2017 upload intervals; transmission rate = received / expected (rules.md §2.4)"


@register(
    MISSING,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据缺失",
    title_en="Missing data",
    source=SOURCE,
)
def missing_data(
    times: ArrayLike,
    values: ArrayLike,
    *,
    pollutant: str,
    interval: Duration,
    start: np.datetime64 | None = None,
    end: np.datetime64 | None = None,
    min_missing: int = 3,
) -> list[Episode]:
    """Gaps of at least ``min_missing`` expected values with no finite value received.

    Parameters
    ----------
    times : array of datetime64
        Data times received [UTC], ascending.
    values : array of float
        The values; a received time with a NaN value counts as missing.
    pollutant : str
        Glossary name of the series.
    interval : timedelta
        Expected interval between data times (1 h for hourly data, 1 min for minute data).
    start, end : datetime64, optional
        Data times of the first and last expected values of the period screened; without them
        gaps before the first and after the last value received are not seen.
    min_missing : int, default 3
        Fewest consecutive missing values in a reported gap [count].

    Returns
    -------
    list of Episode
        One per gap, from the first to the last missing data time; ``score`` = values missing.

    Notes
    -----
    Between consecutive present data times t₀ < t₁, ``round((t₁ − t₀) / interval) − 1`` values
    are missing (rounding absorbs jitter in the data times). ``start`` and ``end`` act as present
    times at ``start − interval`` and ``end + interval``.

    References
    ----------
    HJ 212-2017 (upload of real-time, minute, hourly and daily data).

    Examples
    --------
    >>> t = np.array(["2026-01-05T00", "2026-01-05T01", "2026-01-05T05"], dtype="datetime64[s]")
    >>> [(e.evidence["n_missing"], str(e.start)) for e in missing_data(
    ...     t, [1.0, 2.0, 3.0], pollutant="so2", interval=np.timedelta64(1, "h"))]
    [(3, '2026-01-05T02:00:00')]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    step = np.timedelta64(int(seconds(interval)), "s")
    if step <= np.timedelta64(0, "s"):
        raise ValueError("interval must be positive")
    present = t[np.isfinite(v)]
    parts = [present]
    if start is not None:
        parts.insert(0, np.array([np.datetime64(start, "s") - step]))
    if end is not None:
        parts.append(np.array([np.datetime64(end, "s") + step]))
    grid = np.concatenate(parts)
    if grid.size < 2:
        return []
    missing = np.rint((grid[1:] - grid[:-1]) / step).astype(np.int64) - 1
    where = np.flatnonzero(missing >= min_missing)
    episodes = []
    for i in where:
        n = int(missing[i])
        first, last = grid[i] + step, grid[i + 1] - step
        evidence = {
            "n_missing": n,
            "interval_s": int(step / np.timedelta64(1, "s")),
            "last_before": None if (start is not None and i == 0) else at(grid, i),
            "first_after": None
            if (end is not None and i + 1 == grid.size - 1)
            else at(grid, i + 1),
        }
        episodes.append(
            Episode(MISSING, VERSION, pollutant, first, last, float(n), Severity.WARNING, evidence)
        )
    return episodes


@register(
    LATE,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据迟报",
    title_en="Data received late",
    source=SOURCE,
)
def late_data(
    times: ArrayLike,
    received_at: ArrayLike,
    *,
    pollutant: str,
    tolerance: Duration = TWO_HOURS,
    min_count: int = 1,
    explained: ArrayLike | None = None,
    batch_gap: Duration = TEN_MINUTES,
) -> list[Episode]:
    """Values received more than ``tolerance`` after their data time, one episode per backlog.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    received_at : array of datetime64
        When the platform received each value [UTC]; NaT where unknown (not judged).
    pollutant : str
        Glossary name of the series.
    tolerance : timedelta, default 2 h
        Largest normal delay ``received_at − data time``; for hourly averages it includes the
        hour itself (the data time is the start of the hour).
    min_count : int, default 1
        Fewest late values in an episode [count].
    explained : array of bool, optional
        Values whose lateness a record explains (the runner: a data recall the platform sent,
        or an outage of the link when the value fell due, re-sent on reconnection); not judged.
    batch_gap : timedelta, default 10 min
        Late values received within this of one another belong to one backlog (a re-send).

    Returns
    -------
    list of Episode
        One per backlog: late values joined when adjacent in the series or received within
        ``batch_gap`` of each other; from the first to the last data time it holds (on-time
        values may lie between). ``score`` = the largest delay [h]. ``evidence["n_receipts"]``
        is the number of distinct receive times: 1 means one batch.

    Notes
    -----
    ``delay = received_at − t``; a value is late when ``delay > tolerance`` and it is not
    ``explained``. Two late values are in one backlog when they are neighbours in the series or
    their receive times, sorted, are at most ``batch_gap`` apart; a backlog is a connected
    component of that relation (label propagation over runs and receive batches). A recall that
    fills scattered gaps thus gives one episode, not one per value.

    References
    ----------
    HJ 212-2017 (data are uploaded when the period ends; 补遗 re-sends after an outage).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T03", dtype="datetime64[h]")
    >>> r = np.array(["2026-01-05T01:01", "2026-01-05T09:00", "2026-01-05T09:00"],
    ...              dtype="datetime64[s]")
    >>> [(e.evidence["n_values"], e.score) for e in late_data(t, r, pollutant="so2")]
    [(2, 8.0)]
    """
    t = as_times(times)
    r = np.asarray(received_at, dtype="datetime64[s]")
    if r.shape != t.shape:
        raise ValueError(f"received_at has shape {r.shape}, expected {t.shape} like times")
    delay = np.where(np.isnat(r), np.nan, (r - t) / HOUR)
    with np.errstate(invalid="ignore"):
        late = delay > seconds(tolerance) / 3600.0
    if explained is not None:
        known = np.asarray(explained, dtype=bool)
        if known.shape != t.shape:
            raise ValueError(f"explained has shape {known.shape}, expected {t.shape} like times")
        late &= ~known
    idx = np.flatnonzero(late)
    if not idx.size:
        return []
    episodes = []
    for members in _backlogs(idx, r[idx], seconds(batch_gap)):
        if members.size < min_count:
            continue
        seg = delay[members]
        first, last = int(members[0]), int(members[-1])
        evidence = {
            "n_values": int(members.size),
            "max_delay_h": rounded(seg.max(), 3),
            "median_delay_h": rounded(np.median(seg), 3),
            "tolerance_h": rounded(seconds(tolerance) / 3600.0, 3),
            "n_receipts": int(np.unique(r[members]).size),
            "first_received": at(r, int(members[np.argmin(r[members])])),
            "last_received": at(r, int(members[np.argmax(r[members])])),
            "n_on_time_between": int(last - first + 1 - members.size),
        }
        episodes.append(
            Episode(
                LATE, VERSION, pollutant, t[first], t[last], float(seg.max()), Severity.WARNING,
                evidence,
            )
        )  # fmt: skip
    return episodes


def _backlogs(idx: Index, received: Times, gap_s: float) -> list[Index]:
    """Connected components of late values (indices ``idx``, ascending): neighbours in the series
    or receive times within ``gap_s`` seconds (in receive order) are joined."""
    run = np.cumsum(np.r_[True, np.diff(idx) != 1]) - 1
    order = np.argsort(received, kind="stable")
    step = np.diff(received[order]) / np.timedelta64(1, "s")
    batch = np.empty(idx.size, dtype=np.int64)
    batch[order] = np.cumsum(np.r_[True, step > gap_s]) - 1
    comp = run.copy()
    while True:  # label propagation: each round takes the smallest label of batch, then run
        low = np.full(batch.max() + 1, idx.size)
        np.minimum.at(low, batch, comp)
        merged = low[batch]
        low = np.full(run.max() + 1, idx.size)
        np.minimum.at(low, run, merged)
        merged = low[run]
        if np.array_equal(merged, comp):
            break
        comp = merged
    labels, first = np.unique(comp, return_index=True)
    return [idx[comp == label] for label in labels[np.argsort(first)]]
