"""Ambient-air O2 while the plant runs (运行期间含氧量接近空气): air sampled, or the gas diluted."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import HJ212_2017, STATISTICAL, rounded, runs
from ceguan.screening.detectors.oxygen import SOURCE, VERSION, o2_series
from ceguan.screening.episode import Episode, EvidenceValue, Severity
from ceguan.screening.registry import register

AMBIENT = "o2_ambient_while_running"


@register(
    AMBIENT,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="运行期间含氧量接近空气",
    title_en="Ambient-air O2 while running",
    source=f"{STATISTICAL}: O2 near 20.9 % (air) while the load is positive; {SOURCE}",
)
def o2_ambient_while_running(
    times: ArrayLike,
    o2: ArrayLike,
    flags: ArrayLike,
    *,
    load: ArrayLike,
    pollutant: str = "o2",
    ambient_o2: float = 20.5,
    min_load: float = 0.0,
    min_count: int = 3,
) -> list[Episode]:
    """Runs of valid O2 at ambient-air level while the plant reports running.

    Parameters
    ----------
    times, o2, flags, load, pollutant
        As for ``o2_pinned``.
    ambient_o2 : float, default 20.5
        O2 at or above this is air, not flue gas [%] (air is 20.9 %).
    min_load : float, default 0.0
        The plant runs when ``load > min_load`` [unit of load].
    min_count : int, default 3
        Fewest consecutive values in a run [count].

    Returns
    -------
    list of Episode
        One per run; ``score`` = number of values.

    Notes
    -----
    Flagged: valid ``O2 ≥ ambient_o2`` and ``load > min_load``. The probe is sampling air, or
    the flue gas is diluted (禁止稀释排放, GB 4915-2013 §4.1.4); the conversion factor
    ``(21 − O2_ref) / (21 − O2)`` is meaningless there.

    References
    ----------
    GB 4915-2013 §4.1.4 (deliberate dilution not allowed).

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T05", dtype="datetime64[h]")
    >>> [e.evidence["n_values"] for e in o2_ambient_while_running(
    ...     t, [8.0, 20.8, 20.9, 20.7, 8.1], [""] * 5, load=[70.0] * 5)]
    [3]
    """
    t, x, ok, q = o2_series(times, o2, flags, load)
    with np.errstate(invalid="ignore"):
        hit = ok & (x >= ambient_o2) & (q > min_load)
    starts, ends = runs(hit)
    keep = ends - starts + 1 >= min_count
    out = []
    for s, e in zip(starts[keep], ends[keep], strict=True):
        n = int(e - s + 1)
        evidence: dict[str, EvidenceValue] = {
            "n_values": n,
            "o2_mean": rounded(x[s : e + 1].mean(), 3),
            "o2_max": rounded(x[s : e + 1].max(), 3),
            "mean_load": rounded(q[s : e + 1].mean()),
        }
        out.append(
            Episode(AMBIENT, VERSION, pollutant, t[s], t[e], float(n), Severity.WARNING, evidence)
        )
    return out
