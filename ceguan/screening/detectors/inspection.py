"""Level shift around an inspection (检查前后突变): a step within hours of an on-site visit."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    HJ212_2017,
    HOUR,
    STATISTICAL,
    Duration,
    at,
    rounded,
    seconds,
)
from ceguan.screening.detectors.steps import Z_CAP, find_steps, prepare_series, step_evidence
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import register

INSPECTION = "step_at_inspection"
VERSION = 1
DAY = np.timedelta64(24, "h")


@register(
    INSPECTION,
    version=VERSION,
    effective_from=HJ212_2017,
    title_zh="检查前后数据突变",
    title_en="Level shift around an inspection",
    source=f"{STATISTICAL}: step_change near the inspection dates; 环发〔2015〕175号 art. 4(3)",
)
def step_at_inspection(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    *,
    pollutant: str,
    inspections: ArrayLike,
    load: ArrayLike | None = None,
    within: Duration = DAY,
    window: int = 6,
    threshold: float = 5.0,
    min_relative_shift: float = 0.3,
    max_load_shift: float = 0.1,
    period: int | None = 24,
) -> list[Episode]:
    """Level shifts that start or end within ``within`` of an inspection.

    Parameters
    ----------
    times, values, flags, pollutant, load
        As for ``step_change``.
    inspections : array of datetime64
        Start times of on-site inspections or synchronized monitoring [UTC].
    within : timedelta, default 24 h
        Largest distance between the step and the nearest inspection.
    window : int, default 6
        Values in each window; shorter than the behaviour it looks for (a visit lasts hours).
    threshold, min_relative_shift, max_load_shift, period
        As for ``step_change`` (defaults 5.0 σ, 0.3, 0.1, 24).

    Returns
    -------
    list of Episode
        One per step near an inspection; ``evidence`` adds ``inspection_time`` and
        ``hours_from_inspection`` (negative: before it); ``score`` = z (capped at 1000).

    Notes
    -----
    The steps of ``step_change`` (same formula) whose change time c satisfies
    ``min |c − inspection| ≤ within``. A drop as the inspectors arrive and a rise after they
    leave is the pattern of 环发〔2015〕175号 art. 4(3) (conditions manipulated so that they do not
    reflect reality); both steps are reported.

    References
    ----------
    环发〔2015〕175号《环境监测数据弄虚作假行为判定及处理办法》 art. 4.

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T12", dtype="datetime64[h]")
    >>> v = [20.0, 21, 19, 20, 21, 20, 8, 9, 8, 7, 8, 9]
    >>> visit = np.array(["2026-01-05T07:00"], dtype="datetime64[s]")
    >>> [e.evidence["hours_from_inspection"] for e in step_at_inspection(
    ...     t, v, [""] * 12, pollutant="so2", inspections=visit, window=4)]
    [-1.0]
    """
    t, x, q, removed = prepare_series(times, values, flags, load, period)
    visits = np.sort(np.asarray(inspections, dtype="datetime64[s]").ravel())
    steps = find_steps(
        x,
        q,
        window=window,
        threshold=threshold,
        min_relative_shift=min_relative_shift,
        max_load_shift=max_load_shift,
    )
    if not visits.size or not steps.index.size:
        return []
    change = t[steps.index]
    right = np.clip(np.searchsorted(visits, change), 0, visits.size - 1)
    left = np.clip(right - 1, 0, visits.size - 1)
    nearest = np.where(
        np.abs(change - visits[left]) <= np.abs(change - visits[right]), visits[left], visits[right]
    )
    offset_h = (change - nearest) / HOUR
    episodes = []
    for k in np.flatnonzero(np.abs(offset_h) <= seconds(within) / 3600.0):
        i = steps.index[k]
        evidence = step_evidence(t, steps, int(k), window, removed)
        evidence["inspection_time"] = at(nearest, k)
        evidence["hours_from_inspection"] = rounded(offset_h[k], 3)
        end = t[min(i + window - 1, t.size - 1)]
        score = min(float(steps.z[k]), Z_CAP)
        episodes.append(
            Episode(INSPECTION, VERSION, pollutant, t[i], end, score, Severity.WARNING, evidence)
        )
    return episodes
