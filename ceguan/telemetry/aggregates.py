"""Derived telemetry, the service: hourly values from minute data, daily rates, link state.

The maths is in :mod:`ceguan.telemetry.rollup`; this module loads values from the store, calls
it, and writes the results:

- an hourly value (``source="derived"``) for every pollutant and ended hour that has minute data
  but no hourly value from the device;
- one ``DailyRate`` row (kind ``hourly``) per facility and Beijing day;
- ``FacilityLink.connected`` from ``last_seen`` and ``settings.TELEMETRY_OFFLINE_AFTER_MINUTES``.

A derived value is a cache of a pure function of the current minute values, not evidence (the
minute values are, with their own revisions). It is therefore updated in place when later minute
data change it: same row, same revision, ``received_at`` = when it was computed. Counting such
recomputations as revisions would make late but honest data look like rewritten history. A value
the device sends always wins: an hour with any device or file hourly row of that pollutant (current
or superseded) is never derived, and a device value arriving after the derived one supersedes it
through the store's ordinary revision rule.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from ceguan.registry.models import Facility
from ceguan.standards import NotInForce, load_rulebook
from ceguan.telemetry import rollup
from ceguan.telemetry.choices import DataKind, ValueSource
from ceguan.telemetry.models import DailyRate, FacilityLink, TelemetryValue
from ceguan.telemetry.store import COMPARED

log = logging.getLogger(__name__)

#: The rule-book parameter giving the least valid minutes of a valid hour.
VALID_MINUTES = "telemetry.valid_minutes_per_hour"
HOURLY, MINUTE = DataKind.HOURLY, DataKind.MINUTE
_MINUTE_COLUMNS = ("value", "flag", "minimum", "maximum", "cumulative", "converted")

Key = tuple[str, datetime]
"""(pollutant, hour start) of one hourly value."""


@dataclass
class RefreshResult:
    """What a refresh did; counts of hourly values, facility-days and rate rows."""

    facilities: int = 0
    derived_new: int = 0
    derived_updated: int = 0
    derived_unchanged: int = 0
    device_hours: int = 0
    """Pollutant-hours with minute data left alone because the device sent the hourly value."""
    conflicts: int = 0
    """Facility-days skipped: a device value was written meanwhile; the next run redoes them."""
    days_without_rule: int = 0
    """Facility-days not derived because the rule book has no valid-minutes rule in force."""
    daily_rates: int = 0

    def add(self, other: RefreshResult) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Stored:
    """The hourly rows already stored for one (pollutant, hour)."""

    from_device: bool = False
    current: tuple[int, datetime, tuple[object, ...]] | None = None
    last_revision: int = -1


def _minute_groups(
    facility_id: int, start: datetime, end: datetime
) -> dict[Key, list[rollup.MinuteValue]]:
    rows = (
        TelemetryValue.objects.filter(
            facility_id=facility_id,
            kind=MINUTE,
            current=True,
            data_time__gte=start,
            data_time__lt=end,
        )
        .order_by("pollutant", "data_time")
        .values_list("pollutant", "data_time", *_MINUTE_COLUMNS)
    )
    groups: dict[Key, list[rollup.MinuteValue]] = defaultdict(list)
    for pollutant, data_time, value, flag, *rest in rows:
        groups[(pollutant, rollup.hour_start(data_time))].append(
            rollup.MinuteValue(value, flag, *rest)
        )
    return groups


def _stored_hours(facility_id: int, start: datetime, end: datetime) -> dict[Key, _Stored]:
    rows = TelemetryValue.objects.filter(
        facility_id=facility_id, kind=HOURLY, data_time__gte=start, data_time__lt=end
    ).values_list("id", "pollutant", "data_time", "revision", "current", "source", *COMPARED)
    stored: dict[Key, _Stored] = defaultdict(_Stored)
    for row_id, pollutant, data_time, revision, current, source, *numbers in rows:
        entry = stored[(pollutant, rollup.hour_start(data_time))]
        entry.last_revision = max(entry.last_revision, revision)
        if source != ValueSource.DERIVED:
            entry.from_device = True
        elif current:
            entry.current = (row_id, data_time, tuple(numbers))
    return stored


def _derived_row(
    facility_id: int, key: Key, hour: rollup.HourValue, revision: int, now: datetime
) -> TelemetryValue:
    return TelemetryValue(
        facility_id=facility_id, pollutant=key[0], kind=HOURLY, data_time=key[1],
        revision=revision, current=True, value=hour.value, minimum=hour.minimum,
        maximum=hour.maximum, cumulative=hour.cumulative, converted=hour.converted,
        flag=hour.flag, source=ValueSource.DERIVED, frame_id=None, received_at=now,
    )  # fmt: skip


def derive_day(facility_id: int, day: date, *, now: datetime) -> RefreshResult:
    """Derive, update or leave the hourly values of one facility's Beijing day from minutes.

    Only hours that have ended by ``now`` are derived. Idempotent: values that the minute data
    still give are left untouched.
    """
    result = RefreshResult()
    try:
        min_valid = load_rulebook().get(VALID_MINUTES, on=day).number()
    except NotInForce:
        log.warning("no %s in force on %s: hours not derived", VALID_MINUTES, day)
        result.days_without_rule = 1
        return result
    start, end = rollup.day_bounds(day)
    end = min(end, rollup.hour_start(now))
    groups = _minute_groups(facility_id, start, end) if start < end else {}
    if not groups:
        return result
    stored = _stored_hours(facility_id, start, end)
    new: list[TelemetryValue] = []
    changed: list[tuple[int, datetime, rollup.HourValue]] = []
    for key, minutes in groups.items():
        hour = rollup.summarise_hour(minutes, min_valid)
        entry = stored.get(key, _Stored())
        if entry.from_device:
            result.device_hours += 1
        elif entry.current is None:
            new.append(_derived_row(facility_id, key, hour, entry.last_revision + 1, now))
        elif entry.current[2] != hour.numbers():
            changed.append((entry.current[0], entry.current[1], hour))
        else:
            result.derived_unchanged += 1
    try:
        with transaction.atomic():
            TelemetryValue.objects.bulk_create(new)
            for row_id, data_time, hour in changed:
                # data_time lets PostgreSQL prune to one partition; current/source guard
                # against a device value that superseded this row meanwhile.
                TelemetryValue.objects.filter(
                    id=row_id, data_time=data_time, current=True, source=ValueSource.DERIVED
                ).update(**dict(zip(COMPARED, hour.numbers(), strict=True)), received_at=now)
    except IntegrityError:
        log.warning(
            "facility %s, %s: hourly values written meanwhile; retry later", facility_id, day
        )
        result.conflicts = 1
        return result
    result.derived_new, result.derived_updated = len(new), len(changed)
    return result


def count_days(
    facility: Facility, since: date, until: date, *, now: datetime
) -> dict[date, rollup.DayCount]:
    """The :class:`rollup.DayCount` of every Beijing day of a facility's hourly data."""
    start, end = rollup.day_bounds(since)[0], rollup.day_bounds(until)[1]
    rows = TelemetryValue.objects.filter(
        facility_id=facility.pk, kind=HOURLY, current=True, data_time__gte=start, data_time__lt=end
    ).values_list("data_time", "flag")
    hours: dict[date, dict[datetime, list[str]]] = defaultdict(lambda: defaultdict(list))
    for data_time, flag in rows:
        hours[rollup.beijing_day(data_time)][rollup.hour_start(data_time)].append(flag)
    return {
        day: rollup.count_day(hours[day], rollup.expected_hours(day, now, facility.networked_on))
        for day in rollup.days_between(since, until)
    }


def write_daily_rates(facility: Facility, since: date, until: date, *, now: datetime) -> int:
    """Upsert the facility's ``DailyRate`` rows (kind hourly) for each day; return how many.

    A day with nothing expected and nothing received has no row (one left from before, e.g.
    when ``networked_on`` moved, is deleted).
    """
    counts = count_days(facility, since, until, now=now)
    rows = [
        DailyRate(facility_id=facility.pk, day=day, kind=HOURLY, expected=count.expected,
                  received=count.received, valid=count.valid, faulty=count.faulty)
        for day, count in counts.items()
        if count.expected or count.received
    ]  # fmt: skip
    empty = [day for day, count in counts.items() if not (count.expected or count.received)]
    with transaction.atomic():
        DailyRate.objects.filter(facility_id=facility.pk, kind=HOURLY, day__in=empty).delete()
        DailyRate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["facility", "day", "kind"],
            update_fields=["expected", "received", "valid", "faulty"],
        )
    return len(rows)


def facilities_to_refresh(facility_ids: Iterable[int] | None = None) -> QuerySet[Facility]:
    """The facilities a refresh covers: the given ones, or every facility with an MN."""
    if facility_ids is None:
        facilities = Facility.objects.filter(mn__isnull=False).exclude(mn="")
    else:
        facilities = Facility.objects.filter(pk__in=list(facility_ids))
    return facilities.order_by("pk")


def refresh(
    since: date,
    until: date,
    facility_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
) -> RefreshResult:
    """Derive hourly values, then daily rates, for Beijing days ``since``..``until`` inclusive.

    Idempotent; safe to run again over the same days (e.g. hourly from cron with yesterday and
    today). ``facility_ids`` None means every facility with an MN.
    """
    if until < since:
        raise ValueError(f"until ({until}) is before since ({since})")
    now = now or timezone.now()
    result = RefreshResult()
    for facility in facilities_to_refresh(facility_ids):
        for day in rollup.days_between(since, until):
            result.add(derive_day(facility.pk, day, now=now))
        result.daily_rates += write_daily_rates(facility, since, until, now=now)
        result.facilities += 1
    return result


def update_links(
    facility_ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> tuple[int, int]:
    """Set ``FacilityLink.connected`` from ``last_seen``; return (came online, went offline).

    A facility is online when heard from within ``settings.TELEMETRY_OFFLINE_AFTER_MINUTES``
    (default 60), an operational setting (:func:`rollup.is_online` states the rule). Each row
    is changed by one conditional UPDATE, so a receiver touching ``last_seen`` meanwhile wins.
    """
    now = now or timezone.now()
    minutes = getattr(settings, "TELEMETRY_OFFLINE_AFTER_MINUTES", 60)
    cutoff = now - timedelta(minutes=minutes)
    links = FacilityLink.objects.all()
    if facility_ids is not None:
        links = links.filter(facility_id__in=list(facility_ids))
    online = links.filter(connected=False, last_seen__gte=cutoff).update(connected=True)
    stale = Q(last_seen__isnull=True) | Q(last_seen__lt=cutoff)
    offline = links.filter(stale, connected=True).update(connected=False)
    return online, offline


def _window(facility_ids: list[int], start_day: date, end_day: date) -> dict[int, tuple[int, int]]:
    """(faulty, expected) hours per facility over the days, for facilities ever heard from.

    "Heard from" = some day up to ``end_day`` with an hourly value received; the others have
    no data yet, and no fault rate.
    """
    rates = DailyRate.objects.filter(facility_id__in=facility_ids, kind=HOURLY)
    heard = set(
        rates.filter(day__lte=end_day, received__gt=0)
        .values_list("facility_id", flat=True)
        .distinct()
    )
    sums = (
        rates.filter(facility_id__in=heard, day__gte=start_day, day__lte=end_day)
        .values("facility_id")
        .annotate(faulty=Sum("faulty"), expected=Sum("expected"))
    )
    found = {row["facility_id"]: (row["faulty"], row["expected"]) for row in sums}
    return {facility_id: found.get(facility_id, (0, 0)) for facility_id in heard}


def fault_rates(
    facility_ids: Iterable[int], start_day: date, end_day: date
) -> dict[int, float | None]:
    """Each facility's fault rate (0–1) over Beijing days ``start_day``..``end_day``.

    Fault rate = hours flagged D or B / expected hours, from the ``DailyRate`` rows that
    :func:`refresh` wrote. None ("no data yet") when no hour was expected in the window, or the
    facility never sent data up to ``end_day``.
    """
    ids = list(facility_ids)
    window = _window(ids, start_day, end_day)
    return {
        facility_id: rollup.fault_rate(*window[facility_id]) if facility_id in window else None
        for facility_id in ids
    }


def area_fault_rate(facility_ids: Iterable[int], start_day: date, end_day: date) -> float | None:
    """The fault rate (0–1) of an area: its facilities' faulty hours / their expected hours.

    Only facilities that ever sent data count; None when none did or nothing was expected.
    """
    window = _window(list(facility_ids), start_day, end_day).values()
    return rollup.fault_rate(sum(f for f, _ in window), sum(e for _, e in window))
