"""Back-dated rewrites (历史数据改写): values re-sent for past data times with different numbers."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    HOUR,
    Duration,
    as_limit,
    as_values,
    at,
    rounded,
    seconds,
)
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

RULE_ID = "backdated_rewrite"
VERSION = 1
TWO_HOURS = np.timedelta64(2, "h")
ONE_HOUR = np.timedelta64(1, "h")


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="历史数据被改写",
    title_en="Back-dated rewrite of reported values",
    source=(
        "环发〔2015〕175号 art. 4(8) (stored or transmitted data modified); "
        "《行政主管部门移送适用行政拘留环境违法案件暂行办法》 art. 6(1)"
    ),
)
def backdated_rewrite(
    data_times: ArrayLike,
    original: ArrayLike,
    revised: ArrayLike,
    revised_at: ArrayLike,
    *,
    pollutant: str,
    limit: ArrayLike | None = None,
    min_age: Duration = TWO_HOURS,
    batch_gap: Duration = ONE_HOUR,
    tolerance: float = 0.0,
) -> list[Episode]:
    """Batches of revisions that changed values of past data times.

    Parameters
    ----------
    data_times : array of datetime64
        Data time of each revised value [UTC] (any order).
    original : array of float
        The value before the revision [unit of the series]; NaN if there was none.
    revised : array of float
        The value the revision brought [unit of the series].
    revised_at : array of datetime64
        When the platform received the revision [UTC].
    pollutant : str
        Glossary name of the series.
    limit : float or array of float, optional
        The limit for these values (one per revision or one for all); with it the episode counts
        values lowered from above to below the limit [unit of the series].
    min_age : timedelta, default 2 h
        Revisions received sooner after the data time are normal corrections (a logger
        recomputing an hour when late minute data arrive) and are ignored.
    batch_gap : timedelta, default 1 h
        Revisions received within this of the previous one belong to the same batch.
    tolerance : float, default 0.0
        Changes of at most this are not rewrites (rounding) [unit of the series].

    Returns
    -------
    list of Episode
        One per batch, from its earliest to its latest data time; ``severity`` is ``alarm``
        when a revision lowered a value from above the limit to at or below it, else
        ``warning``; ``score`` = number of values rewritten.

    Notes
    -----
    A revision counts when ``|revised − original| > tolerance`` (or exactly one of them is NaN)
    and ``age = revised_at − data_time ≥ min_age``. Revisions sorted by ``revised_at`` split into
    batches where consecutive receipts are more than ``batch_gap`` apart. Lowered across the
    limit: ``original > limit ≥ revised``.

    References
    ----------
    环发〔2015〕175号《环境监测数据弄虚作假行为判定及处理办法》 art. 4(8), 4(11).

    Examples
    --------
    >>> dt = np.array(["2026-01-05T08", "2026-01-05T09"], dtype="datetime64[s]")
    >>> at_ = np.array(["2026-01-07T02:00", "2026-01-07T02:00"], dtype="datetime64[s]")
    >>> e = backdated_rewrite(dt, [48.0, 30.0], [33.0, 30.0], at_, pollutant="so2", limit=35.0)[0]
    >>> e.evidence["n_values"], e.evidence["n_lowered_across_limit"], e.severity.value
    (1, 1, 'alarm')
    """
    t = np.asarray(data_times, dtype="datetime64[s]").ravel()
    before = as_values(original, t.size, "original")
    after = as_values(revised, t.size, "revised")
    received = np.asarray(revised_at, dtype="datetime64[s]").ravel()
    if received.shape != t.shape:
        raise ValueError("revised_at must have one receive time per revision")
    lim = None if limit is None else as_limit(limit, t.size)
    with np.errstate(invalid="ignore"):
        changed = (np.abs(after - before) > tolerance) | (np.isnan(after) != np.isnan(before))
    age_h = (received - t) / HOUR
    keep = changed & ~np.isnat(received) & (age_h >= seconds(min_age) / 3600.0)
    idx = np.flatnonzero(keep)
    if not idx.size:
        return []
    idx = idx[np.argsort(received[idx], kind="stable")]
    gaps = np.diff(received[idx]) / HOUR > seconds(batch_gap) / 3600.0
    bounds = np.split(idx, np.flatnonzero(gaps) + 1)
    episodes = []
    for batch in bounds:
        b, a = before[batch], after[batch]
        with np.errstate(invalid="ignore"):
            lowered, raised = int(np.count_nonzero(a < b)), int(np.count_nonzero(a > b))
        evidence: dict[str, EvidenceValue] = {
            "n_values": int(batch.size),
            "n_lowered": lowered,
            "n_raised": raised,
            "mean_change": rounded(np.nanmean(a - b)) if np.isfinite(a - b).any() else None,
            "max_age_h": rounded(age_h[batch].max(), 3),
            "revised_from": at(received, batch[0]),
            "revised_to": at(received, batch[-1]),
        }
        across = 0
        if lim is not None:
            with np.errstate(invalid="ignore"):
                across = int(np.count_nonzero((b > lim[batch]) & (a <= lim[batch])))
                up = int(np.count_nonzero((b <= lim[batch]) & (a > lim[batch])))
            evidence["n_lowered_across_limit"] = across
            evidence["n_raised_across_limit"] = up
        severity = Severity.ALARM if across else Severity.WARNING
        first, last = t[batch].min(), t[batch].max()
        episodes.append(
            Episode(RULE_ID, VERSION, pollutant, first, last, float(batch.size), severity, evidence)
        )
    return sorted(episodes, key=lambda episode: episode.start)
