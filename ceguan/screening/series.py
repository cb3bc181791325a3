"""Loading a facility's current series from the telemetry store as numpy arrays.

One raw query per facility and data kind (:mod:`ceguan.screening.loader`); the rows are split
by pollutant into aligned arrays of data times (``datetime64[s]``, UTC), measured values,
converted values, flags, receive times and raw-frame ids (the evidence behind each value).
Companion series (O2, flow) are aligned on a pollutant's times with :meth:`Series.aligned`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ceguan.screening.detectors._common import BEIJING_OFFSET
from ceguan.screening.episode import Episode, iso
from ceguan.screening.limits_for import ChosenLimit, LimitChooser
from ceguan.screening.loader import COLUMNS, load_columns
from ceguan.screening.phases import startup_shutdown_mask
from ceguan.standards import NotInForce, load_rulebook
from ceguan.standards.conversion import converted_concentration


@dataclass(frozen=True)
class Series:
    """One pollutant's current values of one kind, ascending in data time."""

    pollutant: str
    times: NDArray[np.datetime64]
    values: NDArray[np.float64]
    converted: NDArray[np.float64]
    flags: NDArray[np.str_]
    received_at: NDArray[np.datetime64]
    frame_ids: NDArray[np.int64]
    """Raw frame id of each value, -1 where none (derived or imported values)."""
    from_device: bool = True
    """All values came from the device; receive times of imported or derived values say nothing
    about the device's timing, so the runner offers ``received_at`` only when this holds."""

    @property
    def size(self) -> int:
        return int(self.times.size)

    def aligned(self, times: NDArray[np.datetime64]) -> NDArray[np.float64]:
        """This series' measured values at ``times`` (NaN where it has none)."""
        out = np.full(times.size, np.nan)
        if not self.size:
            return out
        index = np.searchsorted(self.times, times)
        index = np.clip(index, 0, self.size - 1)
        hit = self.times[index] == times
        out[hit] = self.values[index[hit]]
        return out

    def between(self, start: np.datetime64, end: np.datetime64) -> NDArray[np.bool_]:
        """Mask of the values with ``start <= time <= end``."""
        return (self.times >= start) & (self.times <= end)


def as_utc64(moment: datetime) -> np.datetime64:
    """An aware datetime as ``datetime64[s]`` in UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "s")


def load_series(
    facility_id: int,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    columns: Sequence[str] = tuple(COLUMNS),
) -> dict[str, Series]:
    """Every pollutant's current ``kind`` series of a facility, ``since <= data_time < until``.

    One raw query (:func:`ceguan.screening.loader.load_columns`): no model instance and no
    Python datetime per value. ``columns`` not read are filled (converted NaN, receive times
    NaT and ``from_device`` False, frame ids -1), so a lean load (:data:`MINUTE_COLUMNS`) never
    offers receive times it did not read.
    """
    loaded = load_columns(facility_id, kind, since, until, columns)
    out = {}
    for pollutant, data in loaded.items():
        n = data["times"].size
        if "received_at" not in data:
            data["received_at"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
            data["from_device"] = False
        data.setdefault("converted", np.full(n, np.nan))
        data.setdefault("flags", np.full(n, "", dtype=np.str_))
        data.setdefault("values", np.full(n, np.nan))
        data.setdefault("frame_ids", np.full(n, -1, dtype=np.int64))
        out[pollutant] = Series(pollutant, **data)
    return out


#: Hours of series kept around an episode in its evidence, each side.
PAD = np.timedelta64(12, "h")
#: Most values of the series an alarm's evidence keeps (first and last halves if longer).
MAX_POINTS = 240
MAX_FRAME_IDS = 500
HOURLY_INTERVAL = np.timedelta64(1, "h")


def startup_shutdown(on: date) -> tuple[np.timedelta64, np.timedelta64] | None:
    """Start-up and shutdown lengths of flue-gas series on Beijing day ``on`` (rule book
    ``screening.startup_shutdown_hours``), or None before the parameter is in force."""
    try:
        found = load_rulebook().get("screening", "startup_shutdown_hours", on=on)
    except NotInForce:
        return None
    table = dict(found.value)  # type: ignore[call-overload]
    return tuple(  # type: ignore[return-value]
        np.timedelta64(round(float(table[k]) * 3600), "s") for k in ("startup", "shutdown")
    )


@dataclass
class SeriesInputs:
    """What the detectors may be given for one series: the whole series and its limited part."""

    series: Series
    basis: str
    """``converted`` (to the limit's reference O2) or ``measured``."""
    full: dict[str, Any]
    limited: dict[str, Any]
    """Inputs over the values that have a limit, with ``limit``; ``{}``-like without one."""
    chosen: dict[date, ChosenLimit | None]
    exempt: dict[str, NDArray[np.bool_]]
    """``full`` / ``limited`` → values in start-up or shutdown (flue gas), not judged by
    :data:`ceguan.screening.phases.EXEMPT_RULES`."""
    kind: str = "hourly"

    @property
    def last_time(self) -> np.datetime64:
        return self.series.times[-1]


def beijing_days(times: NDArray[np.datetime64]) -> NDArray[Any]:
    """Beijing calendar day of each UTC data time, as ``datetime.date`` objects."""
    return ((times + BEIJING_OFFSET).astype("datetime64[D]")).astype(object)


def series_inputs(
    one: Series, chooser: LimitChooser, load: Series | None, o2: Series | None
) -> SeriesInputs:
    """Detector inputs of one hourly series: values on the limit's basis, limit, companions."""
    days = beijing_days(one.times)
    chosen = {day: chooser.choose(one.pollutant, "hourly", day) for day in set(days.tolist())}
    limit = np.array([np.nan if chosen[d] is None else chosen[d].limit.value for d in days])
    ref_o2 = np.array(
        [np.nan if chosen[d] is None else (chosen[d].limit.reference_o2 or np.nan) for d in days]
    )
    converting = bool(np.any(np.isfinite(ref_o2)))
    values = one.values
    if converting:
        values = one.converted.copy()
        if o2 is not None:
            computed = converted_concentration(one.values, o2.aligned(one.times), ref_o2)
            values = np.where(np.isfinite(values), values, computed)
    full: dict[str, Any] = {
        "times": one.times,
        "values": values,
        "flags": one.flags,
        "pollutant": one.pollutant,
        "interval": HOURLY_INTERVAL,
    }
    if one.from_device:
        full["received_at"] = one.received_at
    if one.pollutant == "o2":
        full["o2"] = one.values
    if load is not None:
        full["load"] = load.aligned(one.times)
    has = np.isfinite(limit)
    limited = dict(full)
    if has.any():
        for name in ("times", "values", "flags", "received_at", "o2", "load"):
            if name in limited:
                limited[name] = limited[name][has]
        limited["limit"] = limit[has]
    basis = "converted" if converting else "measured"
    exempt = np.zeros(one.size, dtype=bool)
    window = startup_shutdown(days[-1]) if chooser.medium == "air" else None
    if window is not None:
        exempt = startup_shutdown_mask(one.times, one.flags, startup=window[0], shutdown=window[1])
    masks = {"full": exempt, "limited": exempt[has] if has.any() else exempt}
    return SeriesInputs(one, basis, full, limited, chosen, masks)


def build_evidence(
    episode: Episode, inputs: SeriesInputs, used_limit: bool
) -> tuple[dict[str, Any], bool]:
    """An alarm's evidence for ``episode``, and whether the limit behind it is unverified.

    Holds the detector's numbers, the limit applied (value, unit, reference, verified flag),
    the series around the episode (times, values, flags; bounded) and the raw frames behind
    the episode's values.
    """
    s = inputs.series
    inside = s.between(episode.start, episode.end)
    frames = np.unique(s.frame_ids[inside & (s.frame_ids >= 0)])[:MAX_FRAME_IDS]
    index = np.flatnonzero(s.between(episode.start - PAD, episode.end + PAD))
    truncated = index.size > MAX_POINTS
    if truncated:
        index = np.concatenate([index[: MAX_POINTS // 2], index[-MAX_POINTS // 2 :]])
    values = inputs.full["values"][index]
    evidence: dict[str, Any] = {
        "episode": episode.as_dict(),
        "series": {
            "kind": inputs.kind,
            "basis": inputs.basis,
            "times": [iso(t) for t in s.times[index]],
            "values": [None if not np.isfinite(v) else round(float(v), 6) for v in values],
            "flags": s.flags[index].tolist(),
            "truncated": bool(truncated),
        },
        "frame_ids": [int(f) for f in frames],
    }
    unverified = False
    if used_limit:
        day = beijing_days(np.array([episode.start], dtype="datetime64[s]"))[0]
        chosen = inputs.chosen.get(day)
        if chosen is not None:
            evidence["limit"] = chosen.as_evidence()
            unverified = not chosen.verified
    return evidence, unverified
