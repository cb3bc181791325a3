"""Zero and negative values (零值/负值) while the plant runs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    STATISTICAL,
    as_flags,
    as_times,
    as_values,
    rounded,
    runs,
    valid_mask,
)
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

RULE_ID = "zero_or_negative"
VERSION = 1


@register(
    RULE_ID,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="运行期间零值或负值",
    title_en="Zero or negative values while running",
    source=f"{STATISTICAL}: physical plausibility against the load series",
)
def zero_or_negative(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    load: ArrayLike,
    min_load: float = 0.0,
    zero_tolerance: float = 0.0,
    min_count: int = 3,
) -> list[Episode]:
    """Runs of valid zero or negative concentrations while load or flow shows the plant running.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    values : array of float
        Concentrations [mg/m³ or mg/L]; NaN for missing.
    flags : array of str
        HJ 212 flags; only N (or none) is judged, so a stop flagged F is never reported.
    pollutant : str
        Glossary name of a pollutant that cannot be zero while the plant runs.
    load : array of float
        Load or flow aligned on ``times`` [its unit]; NaN where unknown (not judged).
    min_load : float, default 0.0
        The plant runs when ``load > min_load`` [unit of load].
    zero_tolerance : float, default 0.0
        Values ``≤ zero_tolerance`` count as zero [unit of values].
    min_count : int, default 3
        Fewest consecutive values in a run [count].

    Returns
    -------
    list of Episode
        One per run; ``score`` = number of values.

    Notes
    -----
    Judged: ``flag ∈ {N, ''}``, ``value ≤ zero_tolerance`` and ``load > min_load``; runs of at
    least ``min_count`` consecutive such values are reported.

    References
    ----------
    HJ 75-2017 (a running source emits; zero output while running indicates a device or sampling
    problem).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T06", dtype="datetime64[h]")
    >>> v = [12.0, 0.0, 0.0, -0.4, 0.0, 9.0]
    >>> load = [80.0, 80.0, 81.0, 79.0, 0.0, 80.0]  # stopped at 04:00
    >>> [e.evidence["n_values"] for e in zero_or_negative(
    ...     t, v, [""] * 6, pollutant="nox", load=load)]
    [3]
    """
    t = as_times(times)
    v = as_values(values, t.size)
    q = as_values(load, t.size, "load")
    with np.errstate(invalid="ignore"):
        running = q > min_load
    hit = valid_mask(v, as_flags(flags, t.size)) & (v <= zero_tolerance) & running
    starts, ends = runs(hit)
    keep = ends - starts + 1 >= min_count
    episodes = []
    for s, e in zip(starts[keep], ends[keep], strict=True):
        seg = v[s : e + 1]
        n = int(e - s + 1)
        evidence = {
            "n_values": n,
            "n_negative": int(np.count_nonzero(seg < 0)),
            "min_value": rounded(seg.min()),
            "mean_load": rounded(q[s : e + 1].mean()),
            "min_load_seen": rounded(q[s : e + 1].min()),
        }
        episodes.append(
            Episode(RULE_ID, VERSION, pollutant, t[s], t[e], float(n), Severity.WARNING, evidence)
        )
    return episodes
