"""Exceedance (超标): valid converted averages above their limit."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    as_flags,
    as_limit,
    as_times,
    as_values,
    at,
    rounded,
    runs,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "exceedance"
VERSION = 1


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="有效均值超过排放限值",
    title_en="Valid average above the emission limit",
    source=(
        "Emission standard of the facility (limit passed in); HJ 212-2017 data flags; "
        "MEE Announcement 2022 No. 21 (validly marked data are not used to judge exceedance)"
    ),
)
def exceedance(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    limit: ArrayLike,
) -> list[Episode]:
    """Runs of valid hourly or daily averages above their emission limit.

    Parameters
    ----------
    times : array of datetime64
        Data times of the averages [UTC], ascending.
    values : array of float
        Valid converted averages (折算浓度 at the standard's reference O2) [mg/m³ or mg/L];
        NaN for missing.
    flags : array of str
        HJ 212 flag of each average; only ``N`` (or no flag) is judged.
    pollutant : str
        Glossary name of the series.
    limit : float or array of float
        The limit for this averaging period, from the rule book [same unit as ``values``]; an
        array gives one limit per value (a limit that changes within the series).

    Returns
    -------
    list of Episode
        One per run of consecutive exceeding values; ``score`` = max(value / limit).

    Notes
    -----
    A value exceeds when it is valid (flag N or none, finite) and ``value > limit``. Values
    marked M, C, F, D, S, T or B are not judged here (rules.md §2.3: validly marked data are not
    used to judge exceedance); ``marking_hides_exceedance`` looks at them. Any non-exceeding or
    unjudged value ends a run.

    References
    ----------
    MEE Announcement 2022 No. 21, 《污染物排放自动监测设备标记规则》 (in force 2023-01-01).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T05", dtype="datetime64[h]")
    >>> [e.evidence["n_values"] for e in exceedance(
    ...     t, [30.0, 40.0, 50.0, 20.0, 60.0], ["N", "N", "N", "N", "M"],
    ...     pollutant="so2", limit=35.0)]
    [2]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    lim = as_limit(limit, t.size)
    over = valid_mask(v, as_flags(flags, t.size)) & (v > lim)
    starts, ends = runs(over)
    if not starts.size:
        return []
    ratio = np.where(over, v / lim, 0.0)
    peak = np.maximum.reduceat(ratio, starts)
    total = np.add.reduceat(np.where(over, v, 0.0), starts)
    episodes = []
    for s, e, top, tot in zip(starts, ends, peak, total, strict=True):
        i = s + int(np.argmax(ratio[s : e + 1]))
        n = int(e - s + 1)
        evidence = {
            "limit": rounded(lim[i]),
            "n_values": n,
            "max_value": rounded(v[i]),
            "mean_value": rounded(tot / n),
            "max_ratio": rounded(top, 4),
            "time_of_max": at(t, i),
        }
        episodes.append(
            Episode(RULE_ID, VERSION, pollutant, t[s], t[e], float(top), Severity.ALARM, evidence)
        )
    return episodes
