"""The screening runner: load series from the store, call the detectors in force, write alarms.

For each facility with data received since its :class:`ScreeningCursor` (or all, with
``full``), the runner loads every pollutant's current hourly series from ``cursor − LOOKBACK``
(or from the earliest newly received data time, if earlier), chooses the limit of each value's
Beijing day (:mod:`ceguan.screening.limits_for`), and calls each registered detector whose
inputs it can supply (:func:`wire`); each episode becomes an alarm, or extends an open one
(:func:`ceguan.screening.alarms.record_finding`). A change of rule set (detector versions, the
rule book's limits, the facility's permit limits) changes the cursor's fingerprint and triggers a
full re-screen of that facility.

What is new is found without reading any facility's history: values get ids from one sequence
(receiver, file imports and hourly rollups alike), so one grouped query per run over the primary
key's range ``id > mark`` (:func:`~ceguan.screening.marks.values_above`) says, per facility,
how many values lie above its cursor's ``value_mark``, their earliest data time (back-dated
values widen the window) and latest receipt. An id is allocated before its transaction commits,
so a run can see id 201 while id 150 is still uncommitted. The mark therefore only moves up to
the high id of a run (:class:`ScreeningRun`) at least :data:`SETTLE` old, by when every
transaction open then has committed; the values above the mark are re-counted by each run, and
a facility is due when their number grew since it was screened — a late-committed value with a
low id counts too. A cursor without a mark yet (before the first run older than SETTLE) falls
back to the receive-time scan once. A derived hour that the rollup recomputes in place keeps its
id; the late minute values that changed it are new ids in that hour, so the run that finds them
(the rollup runs first in ``ceguan live``) or the facility's next one reloads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from ceguan.registry.models import Facility
from ceguan.screening.calls import (
    MinuteSeries,
    ScreenResult,
    run_detectors,
    run_minute_rules,
    wire,
)
from ceguan.screening.fingerprint import facility_fingerprint, rules_fingerprint
from ceguan.screening.limits_for import LimitChooser
from ceguan.screening.loader import MINUTE_COLUMNS
from ceguan.screening.marks import SETTLE, ValueMarks, high_value_id
from ceguan.screening.minute import MINUTE_RULES, daily_slot
from ceguan.screening.models import ScreeningCursor, ScreeningRun
from ceguan.screening.series import Series, load_series, series_inputs, startup_shutdown
from ceguan.screening.wiring import extra_inputs, latest_received, revisions_of
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.models import TelemetryValue
from ceguan.telemetry.rollup import beijing_day

#: How far before the cursor an incremental run reloads, so windowed rules see full windows.
LOOKBACK = timedelta(days=14)
#: Series that are context for others, not screened themselves.
CONTEXT = frozenset({"flow", "water_flow", "temperature", "humidity", "pressure", "velocity"})
#: The companion series used as the load (负荷) of a medium's outlet.
LOAD_OF = {"air": "flow", "water": "water_flow"}
#: How far before the first newly received data time minute series are loaded on an incremental
#: run (a copied hour needs its source a day earlier); a full run loads them all.
MINUTE_LOOKBACK = timedelta(days=1)
#: How much of a minute series' own past an incremental run loads when a rule must judge a run
#: against the series' own quiet stretches (``constant_run`` on a coarse analyzer; measured on
#: the real water series: each day judged with 1, 3, 7, 14 days before raised 25, 7, 3, 0 runs
#: in 55 days, the full series 0). Loaded only then: it is rare, and costly (docs/detectors.md).
OWN_HISTORY = timedelta(days=14)

__all__ = [
    "LOOKBACK",
    "SETTLE",
    "ScreenResult",
    "facility_fingerprint",
    "rules_fingerprint",
    "run_due",
    "screen",
    "startup_shutdown",
    "wire",
]

Progress = Callable[[int, int], None]


def screen(
    facility_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    full: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ScreenResult:
    """Screen facilities and write alarms; incremental unless ``full`` or ``since`` is given.

    ``facility_ids`` None means every facility with telemetry. ``since``/``until`` bound the data
    times screened (``until`` exclusive; a run with ``until`` does not move the cursor).
    """
    now = now or timezone.now()
    result = ScreenResult()
    facilities = Facility.objects.select_related("outlet__enterprise").order_by("pk")
    if facility_ids is not None:
        facilities = facilities.filter(pk__in=list(facility_ids))
    todo = list(facilities)
    moving = until is None
    high = high_value_id()  # read first: an id committed later is higher or was in flight
    marks = ValueMarks.read(todo, now)
    for done, facility in enumerate(todo, start=1):
        screen_facility(
            facility, since=since, until=until, full=full, now=now, result=result, marks=marks
        )
        if progress is not None:
            progress(done, len(todo))
    if moving and todo:
        marks.save_moves()
        ScreeningRun.objects.create(at=now, high_id=high)
        if marks.settled_at is not None:  # older runs are no longer needed
            ScreeningRun.objects.filter(at__lt=marks.settled_at).delete()
    return result


def run_due(now: datetime | None = None) -> ScreenResult:
    """Screen what is new since the last run (for the scheduler of ``ceguan live``)."""
    return screen(now=now)


def _window_start(
    facility: Facility,
    cursor: ScreeningCursor | None,
    fingerprint: str,
    full: bool,
    marks: ValueMarks,
) -> tuple[bool, datetime | None, datetime | None, datetime | None]:
    """(due, window start, first new data time, latest receive time) of a facility.

    A full run (or a changed rule set) screens all data: start None, and the latest receive
    time is read after loading (:func:`~ceguan.screening.wiring.latest_received`), saving a
    scan of every value here. Otherwise the facility is due when more of its values lie above
    its value mark than when it was last screened (module docstring).
    """
    if full or cursor is None or cursor.fingerprint != fingerprint:
        return True, None, None, None
    if cursor.value_mark is not None and cursor.value_mark in marks.above:
        found = marks.above[cursor.value_mark].get(facility.pk)
        if found is None or found.count == cursor.value_count:
            return False, None, None, cursor.last_received_at
        first_new = found.first
        latest = max(t for t in (found.latest, cursor.last_received_at) if t is not None)
    else:  # no mark yet: the receive-time scan (reads the facility's whole history)
        values = TelemetryValue.objects.filter(facility_id=facility.pk)
        new = values.filter(received_at__gt=cursor.last_received_at).aggregate(
            first=Min("data_time"), latest=Max("received_at")
        )
        if new["latest"] is None:
            return False, None, None, cursor.last_received_at
        first_new, latest = new["first"], new["latest"]
    first = min(t for t in (first_new, cursor.last_data_time) if t is not None)
    return True, first - LOOKBACK, first_new, latest


def screen_facility(
    facility: Facility,
    *,
    since: datetime | None,
    until: datetime | None,
    full: bool,
    now: datetime,
    result: ScreenResult,
    marks: ValueMarks | None = None,
) -> None:
    """Screen one facility under a lock on its cursor; alarms and cursor commit together.

    ``marks`` are the run's value marks (:meth:`ValueMarks.read`); None reads them for this one.
    """
    own = marks is None
    marks = ValueMarks.read([facility], now) if marks is None else marks
    chooser = LimitChooser(facility)
    fingerprint = facility_fingerprint(chooser)
    if not full and since is None and marks.idle(facility.pk, fingerprint):
        if own and until is None:
            marks.save_moves()
        return  # nothing new: no lock, no reading (the run moves its mark in save_moves)
    with transaction.atomic():
        ScreeningCursor.objects.get_or_create(
            facility=facility, defaults={"fingerprint": "", "screened_at": now}
        )
        cursor = ScreeningCursor.objects.select_for_update().get(facility=facility)
        fresh = cursor if cursor.fingerprint else None
        due, start, first_new, latest = _window_start(facility, fresh, fingerprint, full, marks)
        if since is not None:
            due, start = True, since
        if not due:
            if fresh is not None and until is None:
                moved = marks.moved(cursor)
                if moved != (cursor.value_mark, cursor.value_count):
                    cursor.value_mark, cursor.value_count = moved
                    cursor.save(update_fields=["value_mark", "value_count"])
            return
        series = load_series(facility.pk, DataKind.HOURLY, start, until)
        if latest is None:
            latest = latest_received(facility.pk, series)
            if latest is None:  # no data at all
                return
        result.facilities += 1
        # Minute rules judge the window just received (plus the day before: a copied hour's
        # source); a full run judges all of it.
        minute_start = start
        if since is None and start is not None and first_new is not None:
            minute_start = max(start, first_new - MINUTE_LOOKBACK)
        minutes = load_series(facility.pk, DataKind.MINUTE, minute_start, until, MINUTE_COLUMNS)
        history = _minute_history(facility.pk, minute_start, until, chooser.medium)
        revisions = revisions_of(facility.pk, start, until)
        load = series.get(LOAD_OF.get(chooser.medium, ""))
        minute_load = minutes.get(LOAD_OF.get(chooser.medium, ""))
        daily_due = _daily_due(first_new if since is None else None, minutes, facility.pk)
        for pollutant, one in series.items():
            if pollutant in CONTEXT or not one.size:
                continue
            result.series += 1
            inputs = series_inputs(one, chooser, load, series.get("o2"))
            extra = extra_inputs(facility, chooser, inputs, revisions.get(pollutant))
            on_minutes = minutes.get(pollutant)
            skip = MINUTE_RULES if on_minutes is not None and on_minutes.size else {}
            run_detectors(facility.pk, inputs, now, result, extra=extra, skip=skip)
            if skip:
                longer = history.get(pollutant) if history is not None else None
                run_minute_rules(
                    facility.pk,
                    on_minutes,
                    minute_load,
                    now,
                    result,
                    history=longer,
                    daily_due=daily_due,
                )
        if until is None:
            cursor.last_data_time = _last_time(series) or cursor.last_data_time
            cursor.last_received_at = latest
            cursor.fingerprint, cursor.screened_at = fingerprint, now
            cursor.value_mark, cursor.value_count = marks.moved(cursor)
            cursor.save()


class _MinuteHistory:
    """A facility's minute series over :data:`OWN_HISTORY` before an incremental window,
    loaded on first use (once per facility and run) and handed out per pollutant."""

    def __init__(
        self, facility_id: int, since: datetime, until: datetime | None, medium: str
    ) -> None:
        self.args = (facility_id, DataKind.MINUTE, since, until, MINUTE_COLUMNS)
        self.load_name = LOAD_OF.get(medium, "")
        self.loaded: dict[str, Series] | None = None

    def get(self, pollutant: str) -> Callable[[], MinuteSeries | None]:
        def longer() -> MinuteSeries | None:
            if self.loaded is None:
                self.loaded = load_series(*self.args)
            one = self.loaded.get(pollutant)
            return None if one is None or not one.size else (one, self.loaded.get(self.load_name))

        return longer


def _minute_history(
    facility_id: int, minute_start: datetime | None, until: datetime | None, medium: str
) -> _MinuteHistory | None:
    """The longer past of an incremental run's minute window; None when all of it was loaded."""
    if minute_start is None:
        return None
    return _MinuteHistory(facility_id, minute_start - OWN_HISTORY, until, medium)


def _daily_due(first_new: datetime | None, minutes: dict[str, Series], facility_id: int) -> bool:
    """Whether the minutes received since the last run reach back over the facility's daily
    slot (:func:`~ceguan.screening.minute.daily_slot` after a Beijing midnight): the minute
    before the first new one lies before a slot that the last minute loaded lies after. Always
    true without ``first_new`` (a full or ``--since`` run judges every day it loads)."""
    ends = [s.times[-1] for s in minutes.values() if s.size]
    if first_new is None or not ends:
        return True
    slot = daily_slot(facility_id)
    before = first_new - timedelta(minutes=1) - slot
    return beijing_day(before) < beijing_day(_aware(max(ends)) - slot)


def _aware(moment: np.datetime64) -> datetime:
    return datetime.fromisoformat(f"{moment.astype('datetime64[s]')}+00:00")


def _last_time(series: dict[str, Any]) -> datetime | None:
    ends = [s.times[-1] for s in series.values() if s.size]
    return _aware(max(ends)) if ends else None
