"""Start-up and shutdown of a flue-gas source, inferred from its data (pure, numpy).

The standards judge emissions under normal operation, and the marking rule lets start-up and
shutdown time be marked out of exceedance judgement (rule book ``screening.startup_shutdown_hours``,
unverified). HJ 212 data reach Ceguan with the flag F (stopped) of a stopped unit but without the
enterprise's working-condition marks, so the runner infers the start-up (``startup`` after the last
value flagged F) and the shutdown (``shutdown`` before the next one) and does not judge those
values for the rules in :data:`EXEMPT_RULES`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Rules whose values in start-up and shutdown are not judged: exceedance of limits, and level
#: shifts (a start-up is a change of level the load explains only partly).
EXEMPT_RULES = frozenset({"exceedance", "step_change", "step_at_inspection"})
#: The flag of a stopped unit (HJ 212-2017 表8: F 停运).
STOPPED = "F"


def startup_shutdown_mask(
    times: ArrayLike,
    flags: ArrayLike,
    *,
    startup: np.timedelta64,
    shutdown: np.timedelta64,
) -> NDArray[np.bool_]:
    """Values within ``startup`` after a stopped value or within ``shutdown`` before one.

    Parameters
    ----------
    times : array of datetime64
        Data times [UTC], ascending.
    flags : array of str
        HJ 212 flags; ``F`` marks the unit stopped.
    startup, shutdown : numpy.timedelta64
        Length of the start-up after a stop and of the shutdown before one.

    Returns
    -------
    array of bool
        True for values (not themselves flagged F) with ``0 < t − previous F ≤ startup`` or
        ``0 < next F − t ≤ shutdown``.

    Examples
    --------
    >>> t = np.arange("2026-01-05T00", "2026-01-05T08", dtype="datetime64[h]")
    >>> f = ["N", "N", "F", "F", "N", "N", "N", "N"]
    >>> startup_shutdown_mask(t, f, startup=np.timedelta64(2, "h"),
    ...                       shutdown=np.timedelta64(1, "h")).astype(int).tolist()
    [0, 1, 0, 0, 1, 1, 0, 0]
    """
    t = np.asarray(times, dtype="datetime64[s]")
    stopped = np.asarray(flags, dtype=np.str_) == STOPPED
    out = np.zeros(t.size, dtype=bool)
    if not stopped.any():
        return out
    stop_t = t[stopped]
    after = np.searchsorted(stop_t, t, side="right")  # stops at or before each time
    has_prev = after > 0
    prev = stop_t[np.maximum(after - 1, 0)]
    out |= has_prev & (t - prev <= np.timedelta64(startup, "s"))
    before = np.searchsorted(stop_t, t, side="left")
    has_next = before < stop_t.size
    nxt = stop_t[np.minimum(before, stop_t.size - 1)]
    out |= has_next & (nxt - t <= np.timedelta64(shutdown, "s"))
    return out & ~stopped
