"""When a plant is stopped, read from its load as well as from the device's flag F (numpy)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ceguan.screening.detectors._common import (
    Bools,
    Floats,
    Times,
    as_flags,
    as_times,
    as_values,
    valid_mask,
)
from ceguan.screening.phases import STOPPED


def full_load(load: Floats, full_quantile: float) -> float:
    """The load's ``full_quantile`` quantile over its known values (NaN when none is known): a
    day-shift plant is stopped more than half of the time, so its median load is a stopped one.

    >>> full_load(np.array([100.0, 2.0, np.nan, 98.0, 2.0]), 0.9)
    99.4
    """
    known = load[np.isfinite(load)]
    return float(np.quantile(known, full_quantile)) if known.size else float("nan")


def stopped_by_load(load: Floats, *, stop_share: float, full: float) -> Bools:
    """Rows whose load is known and at most ``stop_share`` of the ``full`` load.

    >>> stopped_by_load(np.array([100.0, 2.0, np.nan, 98.0]), stop_share=0.2, full=99.4)
    array([False,  True, False, False])
    """
    with np.errstate(invalid="ignore"):
        return np.isfinite(load) & (load <= stop_share * full)


def running_rows(
    flags: ArrayLike, load: Floats, *, stop_share: float, full_quantile: float
) -> Bools:
    """Rows where the plant runs: not flagged F (停运) and not stopped by the load."""
    stopped = stopped_by_load(load, stop_share=stop_share, full=full_load(load, full_quantile))
    return (as_flags(flags, load.size) != STOPPED) & ~stopped


def running_log_pairs(
    times: ArrayLike,
    values: ArrayLike,
    flags: ArrayLike,
    load: ArrayLike,
    *,
    stop_share: float,
    full_quantile: float,
) -> tuple[Times, Floats, Floats, Bools]:
    """A pollutant against its load over the running rows, on logarithms: times, ``ln value``,
    ``ln load`` and the usable pairs (value valid and > 0, load known and > 0; elsewhere 0)."""
    t = as_times(times)
    v = as_values(values, t.size)
    q = as_values(load, t.size, "load")
    f = as_flags(flags, t.size)
    running = running_rows(f, q, stop_share=stop_share, full_quantile=full_quantile)
    t, v, q, f = t[running], v[running], q[running], f[running]
    with np.errstate(invalid="ignore"):
        ok = valid_mask(v, f) & (v > 0) & np.isfinite(q) & (q > 0)
    return t, np.log(np.where(ok, v, 1.0)), np.log(np.where(ok, q, 1.0)), ok
