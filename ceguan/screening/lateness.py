"""Which late values a record explains: a data recall the platform sent, or an outage (pure).

HJ 212-2017 has loggers keep their data and re-send it (补遗) when the platform asks (data recall
commands 2011/2051/2061/2031 with BeginTime/EndTime) or when the link comes back after an outage.
Such values arrive late for a reason the platform itself recorded; ``late_data`` should judge
only the lateness nobody asked for and no outage explains. The runner gives this module the
device's frame receive times and the recalls it sent (:mod:`ceguan.screening.wiring`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Recall:
    """A data recall the platform sent: the data times asked for, and when it was sent [UTC]."""

    begin: np.datetime64
    end: np.datetime64
    sent_at: np.datetime64


def explained_late(
    times: ArrayLike,
    received_at: ArrayLike,
    *,
    interval: np.timedelta64,
    tolerance: np.timedelta64,
    frames: ArrayLike,
    before: np.datetime64 | None,
    recalls: list[Recall],
    offline_after: np.timedelta64,
) -> NDArray[np.bool_]:
    """Mask of the values whose late receipt a recall or an outage explains.

    Parameters
    ----------
    times, received_at : array of datetime64
        Data times and receive times of the series [UTC].
    interval : timedelta64
        Period each value covers; it falls due at ``time + interval``.
    tolerance : timedelta64
        Normal delay ``received_at − time`` (as ``late_data``'s); also the time a device has,
        once its link is back, to re-send what it held.
    frames : array of datetime64
        Receive times of every frame from the device, ascending, from before the earliest
        value's due time to after the latest receipt.
    before : datetime64 or None
        Receive time of the device's last frame before ``frames``; None if it never sent one
        (the device was not connected: an outage from the beginning).
    recalls : list of Recall
        Data recalls sent to the device.
    offline_after : timedelta64
        A silence longer than this is an outage (the platform's offline threshold).

    Returns
    -------
    array of bool
        True where a recall sent before the receipt asked for the value's data time, or where
        the link was down (a silence longer than ``offline_after``) at some moment of the
        value's normal upload window ``[time + interval, time + tolerance]`` and the value was
        received no later than ``tolerance`` after the link came back.

    Examples
    --------
    >>> t = np.array(["2026-01-05T02", "2026-01-05T03"], dtype="datetime64[s]")
    >>> r = np.array(["2026-01-05T08:01", "2026-01-05T20:00"], dtype="datetime64[s]")
    >>> frames = np.array(["2026-01-05T02:30", "2026-01-05T08:00"], dtype="datetime64[s]")
    >>> explained_late(t, r, interval=np.timedelta64(1, "h"), tolerance=np.timedelta64(2, "h"),
    ...                frames=frames, before=None, recalls=[],
    ...                offline_after=np.timedelta64(1, "h")).tolist()
    [True, False]
    """
    t = np.asarray(times, dtype="datetime64[s]")
    r = np.asarray(received_at, dtype="datetime64[s]")
    out = np.zeros(t.shape, dtype=bool)
    known = ~np.isnat(r)
    for recall in recalls:
        out |= known & (t >= recall.begin) & (t <= recall.end) & (r >= recall.sent_at)
    heard = np.asarray(frames, dtype="datetime64[s]")
    start = np.datetime64("0001-01-01T00:00:00") if before is None else before
    heard = np.concatenate([np.array([start], dtype="datetime64[s]"), heard])
    silent = np.flatnonzero(np.diff(heard) > offline_after)
    due, normal_by = t + interval, t + tolerance
    for k in silent:  # few outages: the loop is over outages, not values
        down, back = heard[k], heard[k + 1]
        out |= known & (down < normal_by) & (back > due) & (r >= back) & (r <= back + tolerance)
    return out


__all__ = ["Recall", "explained_late"]
