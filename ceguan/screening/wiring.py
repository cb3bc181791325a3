"""Inputs the runner adds to a series' own: revisions, analyser range, marking norm, inspections;
and the value marks by which an incremental run finds what is new (:class:`ValueMarks`).

Each is read here so :mod:`ceguan.screening.runner` stays a loop. What is not known yet is said
so: the facility record has no analyser range (``out_of_range`` then judges the flag T and the
physical minimum only), fieldwork has no inspection dates yet (:func:`inspections_for` returns
none, so ``step_at_inspection`` is skipped for want of ``inspections``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Max
from numpy.typing import NDArray

from ceguan.hj212.platform_commands import MIN_INTERVALS
from ceguan.registry.models import Facility
from ceguan.screening import DETECTORS
from ceguan.screening.lateness import Recall, explained_late
from ceguan.screening.limits_for import LimitChooser
from ceguan.screening.series import HOURLY_INTERVAL, Series, SeriesInputs, as_utc64, beijing_days
from ceguan.standards import NotInForce, UnknownParameter, load_rulebook
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.commands import KIND_CN
from ceguan.telemetry.models import DeviceCommand, RawFrame, TelemetryValue

MINUTE_INTERVAL = np.timedelta64(60, "s")


def minute_interval(times: NDArray[np.datetime64]) -> np.timedelta64:
    """A minute series' own interval: the median spacing of its data times, when it is one of
    HJ 212's ``MinInterval`` values (1–30 min, CN 1064); otherwise one minute.

    >>> t = np.datetime64("2026-01-05T00:00", "s") + np.array([0, 10, 20, 40, 50], "m8[m]")
    >>> minute_interval(t), minute_interval(t[:1])
    (np.timedelta64(600,'s'), np.timedelta64(60,'s'))
    """
    if times.size < 2:
        return MINUTE_INTERVAL
    step = np.median(np.diff(times.astype("datetime64[s]")).astype(np.int64))
    minutes = round(float(step) / 60.0)
    if minutes in MIN_INTERVALS and abs(step - 60 * minutes) < 1:
        return np.timedelta64(60 * minutes, "s")
    return MINUTE_INTERVAL


def inspections_for(facility_id: int) -> NDArray[np.datetime64]:
    """Start times [UTC] of on-site inspections and synchronized monitoring of a facility.

    Fieldwork (a later issue) records them; until then there are none, and the runner skips
    ``step_at_inspection`` ("inspections" in its skipped counts).
    """
    return np.array([], dtype="datetime64[s]")


def marked_hours_norm(industry: str, on: date) -> float | None:
    """The yearly marked-hours allowance of an industry (rule book), or None if it has none."""
    try:
        found = load_rulebook().get("screening", "marked_hours_norm", on=on)
    except (NotInForce, UnknownParameter):
        return None
    value = dict(found.value).get(industry)  # type: ignore[call-overload]
    return None if value is None else float(value)


def revisions_of(
    facility_id: int, since: datetime | None, until: datetime | None
) -> dict[str, dict[str, Any]]:
    """Hourly revisions of a facility by pollutant: each re-sent value with the one it replaced.

    ``data_times``, ``original`` (the value before), ``revised`` (the value sent again) and
    ``revised_at`` (when the revision was received), one entry per revision > 0.
    """
    rows = TelemetryValue.objects.filter(facility_id=facility_id, kind=DataKind.HOURLY)
    if since is not None:
        rows = rows.filter(data_time__gte=since)
    if until is not None:
        rows = rows.filter(data_time__lt=until)
    keys = set(rows.filter(revision__gt=0).values_list("pollutant", "data_time"))
    if not keys:
        return {}
    times = sorted({t for _, t in keys})
    found = (
        rows.filter(data_time__in=times)
        .order_by("pollutant", "data_time", "revision")
        .values_list("pollutant", "data_time", "revision", "value", "received_at")
    )
    out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    previous: tuple[Any, ...] | None = None
    for row in found:
        pollutant, data_time, revision, value, received_at = row
        if revision > 0 and previous is not None and previous[:2] == (pollutant, data_time):
            one = out[pollutant]
            one["data_times"].append(as_utc64(data_time))
            one["original"].append(np.nan if previous[3] is None else previous[3])
            one["revised"].append(np.nan if value is None else value)
            one["revised_at"].append(as_utc64(received_at))
        previous = row
    return {
        p: {
            "data_times": np.array(d["data_times"], dtype="datetime64[s]"),
            "original": np.array(d["original"], dtype=np.float64),
            "revised": np.array(d["revised"], dtype=np.float64),
            "revised_at": np.array(d["revised_at"], dtype="datetime64[s]"),
        }
        for p, d in out.items()
    }


def recalls_of(facility_id: int, until: datetime) -> list[Recall]:
    """Data recalls (2011/2051/2061/2031) sent to a facility's device by ``until``."""
    out = []
    rows = DeviceCommand.objects.filter(
        facility_id=facility_id, cn__in=list(KIND_CN.values()), sent_at__lte=until
    ).values_list("parameters", "sent_at")
    for parameters, sent_at in rows:
        try:
            begin = datetime.fromisoformat(parameters["BeginTime"])
            end = datetime.fromisoformat(parameters["EndTime"])
        except (KeyError, TypeError, ValueError):
            continue  # a recall without a valid range asked for nothing judged here
        out.append(Recall(as_utc64(begin), as_utc64(end), as_utc64(sent_at)))
    return out


def late_explained(facility_id: int, inputs: SeriesInputs) -> NDArray[np.bool_] | None:
    """Which values of a series a data recall or an outage explains as late (for ``late_data``),
    or None when nothing is late (the frames and commands are then not read)."""
    times, received = inputs.full["times"], inputs.full.get("received_at")
    tolerance = np.timedelta64(DETECTORS["late_data"].tuning["tolerance"], "s")
    if received is None:
        return None
    late = ~np.isnat(received) & (received - times > tolerance)
    if not late.any():
        return None
    lo = _aware(times[late].min())
    # The series holds whole seconds; frames keep microseconds: reach the end of that second.
    hi = _aware(received[late].max() + np.timedelta64(1, "s"))
    frames = RawFrame.objects.filter(facility_id=facility_id)
    heard = frames.filter(received_at__gte=lo, received_at__lte=hi).order_by("received_at")
    before = frames.filter(received_at__lt=lo).order_by("-received_at").first()
    interval = inputs.full["interval"]
    return explained_late(
        times,
        received,
        interval=interval,
        tolerance=tolerance,
        frames=np.array(
            [as_utc64(t) for t in heard.values_list("received_at", flat=True)],
            dtype="datetime64[s]",
        ),
        before=None if before is None else as_utc64(before.received_at),
        recalls=recalls_of(facility_id, hi),
        offline_after=np.timedelta64(settings.TELEMETRY_OFFLINE_AFTER_MINUTES * 60, "s"),
    )


def _aware(moment: np.datetime64) -> datetime:
    return datetime.fromisoformat(f"{np.datetime64(moment, 's')}+00:00")


def latest_received(facility_id: int, series: dict[str, Series]) -> datetime | None:
    """Latest receive time of a facility's data: its raw frames (indexed by facility and
    receive time) and the hourly values loaded (imported values have no frame)."""
    found = RawFrame.objects.filter(facility_id=facility_id).aggregate(latest=Max("received_at"))
    ends = [s.received_at.max() for s in series.values() if s.size]
    ends = [e for e in ends if not np.isnat(e)]
    loaded = _aware(max(ends)) if ends else None
    candidates = [t for t in (found["latest"], loaded) if t is not None]
    return max(candidates) if candidates else None


def extra_inputs(
    facility: Facility,
    chooser: LimitChooser,
    inputs: SeriesInputs,
    revisions: dict[str, Any] | None,
) -> dict[str, Any]:
    """Inputs beyond the series: revisions, ``range_max``, ``norm_hours``, ``inspections``,
    and which late values a recall or outage explains (``explained``)."""
    extra: dict[str, Any] = {"range_max": np.inf}  # no analyser range on record yet
    explained = late_explained(facility.pk, inputs)
    if explained is not None:
        extra["explained"] = explained
    if revisions:
        extra.update(revisions)
    day = beijing_days(inputs.series.times[-1:])[0]
    norm = marked_hours_norm(chooser.industry, day)
    if norm is not None:
        extra["norm_hours"] = norm
    inspections = inspections_for(facility.pk)
    if inspections.size:
        extra["inspections"] = inspections
    return extra


def minute_inputs(one: Series, load: Series | None) -> tuple[dict[str, Any], SeriesInputs]:
    """Detector inputs of a minute series (measured values), and the evidence context."""
    full: dict[str, Any] = {
        "times": one.times,
        "values": one.values,
        "flags": one.flags,
        "pollutant": one.pollutant,
        "interval": minute_interval(one.times),
    }
    if load is not None:
        full["load"] = load.aligned(one.times)
    none = np.zeros(one.size, dtype=bool)
    masks = {"full": none, "limited": none}
    inputs = SeriesInputs(one, "measured", full, full, {}, masks, "minute")
    return full, inputs


__all__ = [
    "HOURLY_INTERVAL",
    "extra_inputs",
    "inspections_for",
    "late_explained",
    "latest_received",
    "minute_inputs",
    "minute_interval",
    "revisions_of",
]
