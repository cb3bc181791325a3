"""Copied segments (复制数据): values equal, or equal up to an offset, to an earlier block."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    HOUR,
    as_flags,
    as_times,
    as_values,
    at,
    rounded,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "copied_segment"
VERSION = 1
_MULTIPLIERS = np.random.default_rng(212).integers(1, 2**63, size=4096, dtype=np.uint64) | 1


def _pairs(keys: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Window pairs (a, b), a < b, with identical key rows: each window with its previous twin."""
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    rows = keys[idx].astype(np.uint64)
    h = (rows * _MULTIPLIERS[: rows.shape[1]]).sum(axis=1, dtype=np.uint64)  # wraps mod 2**64
    order = np.lexsort((idx, h))
    hs, ids = h[order], idx[order]
    same = np.flatnonzero(hs[1:] == hs[:-1])
    a, b = ids[same], ids[same + 1]
    exact = np.all(keys[a] == keys[b], axis=1)  # a hash collision is not a copy
    return a[exact], b[exact]


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据段复制",
    title_en="Copied data segment",
    source="环发〔2015〕175号 art. 5 (data forged or substituted); hashing of rounded windows",
)
def copied_segment(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    block: int = 24,
    decimals: int = 2,
    allow_offset: bool = True,
    min_distinct: int = 6,
) -> list[Episode]:
    """Blocks of at least ``block`` valid values repeating an earlier block of the same series.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending, on a regular grid.
    values : array of float
        The series [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags; only N (or none) is used, any other value breaks a block.
    pollutant : str
        Glossary name of the series.
    block : int, default 24
        Shortest copied block [values] (24 = one day of hourly values).
    decimals : int, default 2
        Values are compared after rounding to this many decimals (the device's resolution).
    allow_offset : bool, default True
        Also find copies shifted by a constant (``x[b+k] = x[a+k] + c``).
    min_distinct : int, default 6
        Fewest distinct rounded values (distinct steps, with ``allow_offset``) a block must
        hold; flat or ramp blocks repeat by nature and are left to ``constant_run``.

    Returns
    -------
    list of Episode
        One per copy, from its first to its last value; ``evidence`` gives the source period,
        the lag and the offset; ``score`` = number of values copied.

    Notes
    -----
    Every window of ``block`` values is turned into integers ``round(x · 10^decimals)`` (with
    ``allow_offset``, into the ``block − 1`` differences between them) and hashed; windows with
    equal hashes are compared exactly. A copy pairs window b with the previous window a holding
    the same numbers, ``b − a ≥ block`` (no overlap); pairs with the same lag at consecutive
    positions merge into one longer copy.

    References
    ----------
    环发〔2015〕175号《环境监测数据弄虚作假行为判定及处理办法》 art. 5 (another sample's or
    period's results substituted; data made without measurement).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T12", dtype="datetime64[h]")
    >>> day = [3.0, 5.1, 4.2, 6.3, 2.9, 7.7]
    >>> v = day + [x + 10.0 for x in day]  # the second block is the first one plus 10
    >>> [(str(e.start), e.evidence["offset"]) for e in copied_segment(
    ...     t, v, [""] * 12, pollutant="so2", block=6, min_distinct=4)]
    [('2026-01-05T06:00:00', 10.0)]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    ok = valid_mask(v, as_flags(flags, t.size))
    if block < 2 or t.size < 2 * block:
        return []
    scaled = np.where(ok, np.rint(v * 10.0**decimals), 0.0).astype(np.int64)
    bad = np.concatenate(([0], np.cumsum(~ok)))
    usable = bad[block:] - bad[:-block] == 0  # window k = values k … k + block − 1
    source = np.diff(scaled) if allow_offset else scaled
    width = block - 1 if allow_offset else block
    keys = sliding_window_view(source, width)[: usable.size]
    a, b = _pairs(keys, usable)
    ordered = np.sort(keys[a], axis=1)  # only paired windows: distinct counts are costly
    distinct = 1 + np.count_nonzero(ordered[:, 1:] != ordered[:, :-1], axis=1)
    lag = b - a
    keep = (lag >= block) & (distinct >= min_distinct)
    a, lag = a[keep], lag[keep]
    if not a.size:
        return []
    order = np.lexsort((a, lag))
    a, lag = a[order], lag[order]
    chained = np.concatenate(([False], (lag[1:] == lag[:-1]) & (a[1:] == a[:-1] + 1)))
    firsts = np.flatnonzero(~chained)  # each pair not chained to the one before starts a copy
    lasts = np.concatenate((firsts[1:] - 1, [a.size - 1]))
    episodes = []
    for f, last in zip(firsts, lasts, strict=True):
        src0, src1 = int(a[f]), int(a[last]) + block - 1
        d = int(lag[f])
        offset = float(np.mean(v[src0 + d : src1 + d + 1] - v[src0 : src1 + 1]))
        n = src1 - src0 + 1
        evidence = {
            "n_values": n,
            "source_start": at(t, src0),
            "source_end": at(t, src1),
            "lag_h": rounded((t[src0 + d] - t[src0]) / HOUR, 3),
            "offset": rounded(offset, decimals + 2),
            "decimals": decimals,
        }
        episodes.append(
            Episode(
                RULE_ID,
                VERSION,
                pollutant,
                t[src0 + d],
                t[src1 + d],
                float(n),
                Severity.WARNING,
                evidence,
            )
        )
    return sorted(episodes, key=lambda episode: episode.start)
