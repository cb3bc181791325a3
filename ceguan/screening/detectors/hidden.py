"""Marking that hides an exceedance (标记掩盖超标): marked values above the limit."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    MARKING_FLAGS,
    as_flags,
    as_limit,
    as_times,
    as_values,
    at,
    flag_in,
    rounded,
    runs,
    valid_mask,
)
from ceguan.screening.detectors.marking import RULE
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

HIDES = "marking_hides_exceedance"
VERSION = 1


@register(
    HIDES,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="标记掩盖超标",
    title_en="Marking hides an exceedance",
    source=RULE,
)
def marking_hides_exceedance(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    limit: ArrayLike,
    marking_flags: tuple[str, ...] = MARKING_FLAGS,
    min_count: int = 2,
) -> list[Episode]:
    """Runs of marked values (M, C, D) that are above the limit: exceedances the marking removes.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        Converted averages [mg/m³ or mg/L]; NaN for missing.
    flags : array of str
        HJ 212 flags.
    pollutant : str
        Glossary name of the series.
    limit : float or array of float
        The limit for these averages, from the rule book [unit of values].
    marking_flags : tuple of str, default ('M', 'C', 'D')
        Flags whose values are removed from exceedance judgement.
    min_count : int, default 2
        Fewest consecutive marked exceeding values. A zero/span calibration reads its span gas
        for minutes and at hourly resolution shows as one high C hour every day; two or more in
        a row are not routine.

    Returns
    -------
    list of Episode
        One per run; ``score`` = max(value / limit). ``evidence`` includes the nearest valid
        values before and after the run: high neighbours mean the marking covers a real episode.

    Notes
    -----
    Flagged: ``flag ∈ marking_flags``, finite and ``value > limit``. Whether the marking is
    backed by an operations record (运维记录) is for the runner to check; without one the mark
    is not valid and the values are exceedances.

    References
    ----------
    MEE Announcement 2022 No. 21 (validly marked data are not used to judge exceedance).

    Examples
    --------
    >>> t = np.arange(6).astype("datetime64[h]")
    >>> e = marking_hides_exceedance(t, [30.0, 48, 52, 50, 33, 31],
    ...     ["N", "M", "M", "M", "N", "N"], pollutant="so2", limit=35.0)[0]
    >>> e.evidence["n_values"], e.evidence["max_value"], e.evidence["value_after"]
    (3, 52.0, 33.0)
    """
    t = as_times(times)
    v = as_values(values, t.size)
    f = as_flags(flags, t.size)
    lim = as_limit(limit, t.size)
    hit = flag_in(f, marking_flags) & np.isfinite(v) & (v > lim)
    starts, ends = runs(hit)
    keep = ends - starts + 1 >= min_count
    valid = valid_mask(v, f)
    index = np.arange(t.size)
    before = np.maximum.accumulate(np.where(valid, index, -1))
    after = np.minimum.accumulate(np.where(valid, index, t.size)[::-1])[::-1]
    episodes = []
    for s, e in zip(starts[keep], ends[keep], strict=True):
        ratio = v[s : e + 1] / lim[s : e + 1]
        b = int(before[s - 1]) if s > 0 else -1
        a = int(after[e + 1]) if e + 1 < t.size else t.size
        evidence: dict[str, EvidenceValue] = {
            "n_values": int(e - s + 1),
            "flags": "".join(sorted(set(f[s : e + 1].tolist()))),
            "limit": rounded(lim[s]),
            "max_value": rounded(v[s : e + 1].max()),
            "max_ratio": rounded(ratio.max(), 4),
            "value_before": rounded(v[b]) if b >= 0 else None,
            "time_before": at(t, b) if b >= 0 else None,
            "value_after": rounded(v[a]) if a < t.size else None,
            "time_after": at(t, a) if a < t.size else None,
        }
        episodes.append(
            Episode(
                HIDES,
                VERSION,
                pollutant,
                t[s],
                t[e],
                float(ratio.max()),
                Severity.WARNING,
                evidence,
            )
        )
    return episodes
