"""Inputs the runner adds to a series' own: revisions, analyser range, marking norm, inspections;
and the value marks by which an incremental run finds what is new (:class:`ValueMarks`).

Each is read here so :mod:`ceguan.screening.runner` stays a loop. What is not known yet is said
so: the facility record has no analyser range (``out_of_range`` then judges the flag T and the
physical minimum only), fieldwork has no inspection dates yet (:func:`inspections_for` returns
none, so ``step_at_inspection`` is skipped for want of ``inspections``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Min
from numpy.typing import NDArray

from ceguan.registry.models import Facility
from ceguan.screening import DETECTORS
from ceguan.screening.lateness import Recall, explained_late
from ceguan.screening.limits_for import LimitChooser
from ceguan.screening.models import ScreeningCursor, ScreeningRun
from ceguan.screening.series import HOURLY_INTERVAL, Series, SeriesInputs, as_utc64, beijing_days
from ceguan.standards import NotInForce, UnknownParameter, load_rulebook
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.commands import KIND_CN
from ceguan.telemetry.models import DeviceCommand, RawFrame, TelemetryValue

MINUTE_INTERVAL = np.timedelta64(60, "s")
#: How long a write transaction may stay open after allocating value ids (a receiver batch takes
#: well under a second, a file import seconds): a cursor's value mark moves only up to the high
#: id of a run at least this old. Longer means more values re-counted by each run, not more
#: facilities re-screened.
SETTLE = timedelta(minutes=15)


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


class NewValues(NamedTuple):
    """A facility's values above one id mark: how many, earliest data time, latest receipt."""

    count: int
    first: datetime
    latest: datetime


def high_value_id() -> int:
    """The highest value id committed now (0 with none): a backward probe of the primary key
    (on PostgreSQL one per monthly partition), not a scan."""
    found = TelemetryValue.objects.aggregate(high=Max("id"))["high"]
    return int(found or 0)


def values_above(marks: Iterable[int]) -> dict[int, dict[int, NewValues]]:
    """For each id mark, every facility's values with a higher id (mark → facility → summary).

    One grouped query per distinct mark over the primary key's range ``id > mark``: what it
    reads grows with the values written since the mark, not with any facility's history, and
    it needs no index beyond the key (every index on values slows ingest). Values written by
    the receiver, by file imports and by hourly rollups all get ids from the same sequence.
    """
    out: dict[int, dict[int, NewValues]] = {}
    for mark in sorted(set(marks)):
        rows = (
            TelemetryValue.objects.filter(pk__gt=mark)
            .values("facility_id")
            .annotate(n=Count("pk"), first=Min("data_time"), latest=Max("received_at"))
            .order_by()
        )
        out[mark] = {r["facility_id"]: NewValues(r["n"], r["first"], r["latest"]) for r in rows}
    return out


@dataclass
class ValueMarks:
    """The value marks of one screening run: the settled mark (the high id of the latest run at
    least :data:`SETTLE` old), and every facility's values above each mark in use."""

    settled: int | None = None
    settled_at: datetime | None = None
    above: dict[int, dict[int, NewValues]] = field(default_factory=dict)
    cursors: dict[int, tuple[str, int | None, int]] = field(default_factory=dict)
    """Facility → (fingerprint, value mark, value count) of its cursor when the run began."""
    moves: dict[tuple[int, int, int, int], list[int]] = field(default_factory=dict)
    """(old mark, old count, new mark, new count) → idle facilities whose cursor moves so."""

    @classmethod
    def read(cls, facilities: list[Facility], now: datetime) -> ValueMarks:
        """The settled mark at ``now`` and one grouped query per distinct mark: the cursors'
        own and the settled one (usually one or two marks, a few minutes of values each)."""
        run = ScreeningRun.objects.filter(at__lte=now - SETTLE).order_by("-at").first()
        marks = cls() if run is None else cls(run.high_id, run.at)
        rows = ScreeningCursor.objects.filter(facility__in=facilities).values_list(
            "facility_id", "fingerprint", "value_mark", "value_count"
        )
        marks.cursors = {f: (fp, mark, n) for f, fp, mark, n in rows}
        wanted = {mark for _, mark, _ in marks.cursors.values() if mark is not None}
        marks.above = values_above(wanted | (set() if run is None else {run.high_id}))
        return marks

    def idle(self, facility_id: int, fingerprint: str) -> bool:
        """Whether a facility has nothing new under an unchanged rule set, by its cursor when the
        run began (then it needs no lock); its cursor's move is kept for :meth:`save_moves`."""
        fp, mark, n = self.cursors.get(facility_id, ("", None, 0))
        if not fp or fp != fingerprint or mark is None or mark not in self.above:
            return False
        if self.count(mark, facility_id) != n:
            return False
        if self.settled is not None and self.settled > mark:
            key = (mark, n, self.settled, self.count(self.settled, facility_id))
            self.moves.setdefault(key, []).append(facility_id)
        return True

    def save_moves(self) -> None:
        """Move the idle facilities' marks, one update per distinct move (usually one); a cursor
        that another run changed meanwhile is left as that run wrote it."""
        for (mark, n, new_mark, new_n), facility_ids in self.moves.items():
            ScreeningCursor.objects.filter(
                facility_id__in=facility_ids, value_mark=mark, value_count=n
            ).update(value_mark=new_mark, value_count=new_n)
        self.moves.clear()

    def count(self, mark: int, facility_id: int) -> int:
        found = self.above[mark].get(facility_id)
        return 0 if found is None else found.count

    def moved(self, cursor: ScreeningCursor) -> tuple[int | None, int]:
        """(value mark, value count) of a cursor just screened, or found with nothing new."""
        mark = cursor.value_mark
        if self.settled is not None and (mark is None or self.settled > mark):
            return self.settled, self.count(self.settled, cursor.facility_id)
        if mark is not None and mark in self.above:
            return mark, self.count(mark, cursor.facility_id)
        return None, 0  # the mark changed under this run: the next one falls back once


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
        "interval": MINUTE_INTERVAL,
    }
    if load is not None:
        full["load"] = load.aligned(one.times)
    none = np.zeros(one.size, dtype=bool)
    masks = {"full": none, "limited": none}
    inputs = SeriesInputs(one, "measured", full, full, {}, masks, "minute")
    return full, inputs


__all__ = [
    "HOURLY_INTERVAL",
    "SETTLE",
    "NewValues",
    "ValueMarks",
    "extra_inputs",
    "high_value_id",
    "inspections_for",
    "late_explained",
    "latest_received",
    "minute_inputs",
    "revisions_of",
    "values_above",
]
