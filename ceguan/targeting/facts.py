"""Gathering each facility's risk facts (:class:`~ceguan.targeting.risk.FacilityFacts`) from rows.

Read only, a handful of grouped queries for a whole population (no query per facility):

* the registry: industry, supervision category, operation mode, the operator's year of entry;
* screening alarms: exceedances in the history window (not dismissed), falsification findings
  (confirmed or tasked, any time), open alarms (new, acknowledged), confirmed alarms in the
  history window (confirmed or tasked), and the data anomaly rate — the share of hours of the
  signal window under an anomaly or falsification-sign alarm that is open or upheld;
* telemetry ``DailyRate`` (hourly data) over the signal window: the fault rate (faulty / expected
  hours) and the transmission rate (received / expected); a facility with no rate rows in the
  window has sent nothing and counts as transmission 0 (``no_data`` in the factors);
* the last on-site check: the latest ``visited_on`` of a completed task that covered the facility.

The windows are rule-book parameters (``targeting.signal_window_days``,
``targeting.history_window_days``) and end the day before the scoring day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum

from ceguan.registry.models import Facility
from ceguan.screening.models import Alarm, Category, Status
from ceguan.standards import RuleBook
from ceguan.targeting.choices import TaskState
from ceguan.targeting.risk import FacilityFacts
from ceguan.telemetry.models import DailyRate
from ceguan.telemetry.rollup import day_bounds

#: Alarm statuses that stand (not dismissed, not merely explained).
STANDING = (Status.NEW, Status.ACKNOWLEDGED, Status.CONFIRMED, Status.TASKED)
UPHELD = (Status.CONFIRMED, Status.TASKED)
OPEN = (Status.NEW, Status.ACKNOWLEDGED)
ANOMALY_CATEGORIES = (Category.ANOMALY, Category.FALSIFICATION_SIGN)


@dataclass(frozen=True)
class Windows:
    """The scoring day and the windows before it, from the rule book."""

    on: date
    signal_days: int
    history_days: int

    @classmethod
    def load(cls, rulebook: RuleBook, on: date) -> Windows:
        return cls(
            on=on,
            signal_days=int(rulebook.get("targeting.signal_window_days", on=on).number()),
            history_days=int(rulebook.get("targeting.history_window_days", on=on).number()),
        )

    @property
    def signal_start(self) -> date:
        return self.on - timedelta(days=self.signal_days)

    @property
    def history_start(self) -> date:
        return self.on - timedelta(days=self.history_days)

    def bounds(self, first: date) -> tuple[datetime, datetime]:
        """UTC instants from the start of ``first`` to the start of the scoring day (Beijing)."""
        return day_bounds(first)[0], day_bounds(self.on)[0]


def counted_facilities(area: QuerySet[Facility], on: date) -> QuerySet[Facility]:
    """The automatic monitoring facilities that count on ``on``: networked on or before it.

    docs/decisions/0006-quota-and-ceremony.md: a facility counts toward the quota (and is in the
    draw's population) from the day it is networked (联网) and sends data; acceptance (验收) is a
    paperwork step that a facility with problems may never pass, and such facilities are exactly
    the ones to check.
    """
    return area.filter(networked_on__isnull=False, networked_on__lte=on)


def last_checks(facility_ids: QuerySet[Facility] | list[int], on: date) -> dict[int, date]:
    """The last on-site check of each facility before ``on``: latest completed task's visit day."""
    from ceguan.targeting.models import PlanItem

    rows = (
        PlanItem.objects.filter(
            facility__in=facility_ids, task__state=TaskState.DONE, task__visited_on__lt=on
        )
        .values("facility_id")
        .annotate(last=Max("task__visited_on"))
    )
    return {row["facility_id"]: row["last"] for row in rows}


def gather(
    facilities: QuerySet[Facility], windows: Windows, plan_year: int
) -> dict[int, tuple[FacilityFacts, dict[str, object]]]:
    """Facts of every facility in ``facilities``, with the raw figures behind the rates.

    Returns ``{facility id: (facts, raw)}``; ``raw`` holds what the explanation shows besides the
    factors (hours expected and received, counts, the last check day).
    """
    rows = list(
        facilities.values(
            "pk",
            "operation_mode",
            "operator__entered_province_year",
            "outlet__enterprise__industry",
            "outlet__enterprise__supervision_category",
        )
    )
    ids = facilities.values("pk")
    alarms = Alarm.objects.filter(facility__in=ids)
    history_from, until = windows.bounds(windows.history_start)
    signal_from, _ = windows.bounds(windows.signal_start)
    counts = _counts(
        alarms.values("facility_id").annotate(
            exceedances=Count(
                "pk",
                filter=Q(
                    category=Category.EXCEEDANCE,
                    status__in=STANDING,
                    episode_start__gte=history_from,
                    episode_start__lt=until,
                ),
            ),
            falsifications=Count(
                "pk", filter=Q(category=Category.FALSIFICATION_SIGN, status__in=UPHELD)
            ),
            open=Count("pk", filter=Q(status__in=OPEN)),
            confirmed=Count(
                "pk",
                filter=Q(status__in=UPHELD, opened_at__gte=history_from, opened_at__lt=until),
            ),
        )
    )
    anomaly_hours = _anomaly_hours(alarms, signal_from, until)
    rates = {
        row["facility_id"]: row
        for row in DailyRate.objects.filter(
            facility__in=ids,
            kind="hourly",
            day__gte=windows.signal_start,
            day__lt=windows.on,
        )
        .values("facility_id")
        .annotate(expected=Sum("expected"), received=Sum("received"), faulty=Sum("faulty"))
    }
    checks = last_checks(ids, windows.on)
    window_hours = windows.signal_days * 24
    out: dict[int, tuple[FacilityFacts, dict[str, object]]] = {}
    for row in rows:
        pk = row["pk"]
        c = counts.get(pk, {})
        rate = rates.get(pk)
        expected = int(rate["expected"] or 0) if rate else 0
        received = int(rate["received"] or 0) if rate else 0
        faulty = int(rate["faulty"] or 0) if rate else 0
        last = checks.get(pk)
        facts = FacilityFacts(
            industry=row["outlet__enterprise__industry"],
            operation_mode=row["operation_mode"],
            operator_entered_year=row["operator__entered_province_year"],
            plan_year=plan_year,
            supervision_category=row["outlet__enterprise__supervision_category"],
            exceedances_past_year=c.get("exceedances", 0),
            falsification_findings=c.get("falsifications", 0),
            fault_rate=min(1.0, faulty / expected) if expected else 0.0,
            anomaly_rate=min(1.0, anomaly_hours.get(pk, 0) / window_hours) if window_hours else 0.0,
            open_alarms=c.get("open", 0),
            confirmed_alarms=c.get("confirmed", 0),
            transmission_rate=min(1.0, received / expected) if expected else 0.0,
            days_since_last_check=None if last is None else (windows.on - last).days,
        )
        raw = {
            "expected_hours": expected,
            "received_hours": received,
            "faulty_hours": faulty,
            "no_data": expected == 0,
            "anomaly_hours": anomaly_hours.get(pk, 0),
            "last_check": last.isoformat() if last else None,
        }
        out[pk] = (facts, raw)
    return out


def _counts(rows: QuerySet) -> dict[int, dict[str, int]]:
    return {row["facility_id"]: row for row in rows}


def _anomaly_hours(alarms: QuerySet[Alarm], start: datetime, end: datetime) -> dict[int, int]:
    """Hours of [start, end) covered by an anomaly alarm's episode, per facility (union)."""
    hour = timedelta(hours=1)
    last_hour = int((end - start) // hour) - 1
    covered: dict[int, set[int]] = defaultdict(set)
    episodes = alarms.filter(
        category__in=ANOMALY_CATEGORIES,
        status__in=STANDING,
        episode_start__lt=end,
        episode_end__gte=start,
    ).values_list("facility_id", "episode_start", "episode_end")
    for facility_id, first, last in episodes:
        lo = max(int((first - start) // hour), 0)
        hi = min(int((last - start) // hour), last_hour)
        covered[facility_id].update(range(lo, hi + 1))
    return {facility_id: len(hours) for facility_id, hours in covered.items()}
