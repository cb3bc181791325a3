"""Out of range (超量程/低于下限): below a physical minimum, or at or above the analyser range."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    VALID_FLAGS,
    as_flags,
    as_times,
    as_values,
    rounded,
    runs,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "out_of_range"
VERSION = 1


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="数据超出量程或低于物理下限",
    title_en="Value outside the analyser range or the physical minimum",
    source=(
        "HJ 212-2017 data flag T (above the measuring upper limit); analyser range of the facility"
    ),
)
def out_of_range(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    range_max: float,
    physical_min: float = 0.0,
    min_count: int = 1,
) -> list[Episode]:
    """Runs of values at or above the analyser's range (or flagged T), or below a physical minimum.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        The series [its unit]; NaN for missing.
    flags : array of str
        HJ 212 flags; values flagged N, none or T are judged, T always counts as above range.
    pollutant : str
        Glossary name of the series.
    range_max : float
        Upper end of the analyser's measuring range, from the facility record [unit of values].
    physical_min : float, default 0.0
        Lowest physically possible value (0 for a concentration) [unit of values].
    min_count : int, default 1
        Fewest consecutive values in a run [count].

    Returns
    -------
    list of Episode
        One per run, ``evidence["kind"]`` ``"above_range"`` or ``"below_minimum"``, sorted by
        start; ``score`` = number of values.

    Notes
    -----
    Above range: ``flag = T`` or ``value ≥ range_max`` (an analyser saturates *at* full scale).
    Below minimum: ``value < physical_min``. Values flagged F, M, C, D, S or B are the device's
    declared state and are not judged.

    References
    ----------
    HJ 212-2017, data flag T (超测定上限).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T04", dtype="datetime64[h]")
    >>> [(e.evidence["kind"], e.evidence["n_values"]) for e in out_of_range(
    ...     t, [10.0, 500.0, 480.0, -2.0], ["N", "N", "T", "N"],
    ...     pollutant="so2", range_max=500.0)]
    [('above_range', 2), ('below_minimum', 1)]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    f = as_flags(flags, t.size)
    flagged_t = f == "T"
    judged = valid_mask(v, f, (*VALID_FLAGS, "T")) | flagged_t
    with np.errstate(invalid="ignore"):
        above = judged & (flagged_t | (v >= range_max))
        below = judged & (v < physical_min)
    episodes = []
    for kind, mask, bound in (
        ("above_range", above, range_max),
        ("below_minimum", below, physical_min),
    ):
        starts, ends = runs(mask)
        keep = ends - starts + 1 >= min_count
        for s, e in zip(starts[keep], ends[keep], strict=True):
            seg = v[s : e + 1]
            n = int(e - s + 1)
            finite = seg[np.isfinite(seg)]
            extreme = (
                (finite.max() if kind == "above_range" else finite.min()) if finite.size else None
            )
            evidence = {
                "kind": kind,
                "bound": rounded(bound),
                "n_values": n,
                "extreme_value": None if extreme is None else rounded(extreme),
                "n_flagged_t": int(np.count_nonzero(flagged_t[s : e + 1])),
            }
            episodes.append(
                Episode(
                    RULE_ID, VERSION, pollutant, t[s], t[e], float(n), Severity.WARNING, evidence
                )
            )
    return sorted(episodes, key=lambda episode: episode.start)
