"""Derived telemetry against a real database: hourly values, daily rates, links, survey."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from ceguan.hj212.times import BEIJING
from ceguan.registry.survey import survey
from ceguan.standards import load_rulebook
from ceguan.telemetry.aggregates import (
    VALID_MINUTES,
    area_fault_rate,
    fault_rates,
    refresh,
    update_links,
)
from ceguan.telemetry.models import DailyRate, FacilityLink, TelemetryValue
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)  # Beijing day: 2026-03-01 16:00 UTC .. 2026-03-02 16:00 UTC
NOW = datetime(2026, 3, 5, tzinfo=UTC)  # the day is over
_raw = (f"frame-{n}".encode() for n in itertools.count())


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    """A Beijing time of March 2026 (the store keeps it as the same instant in UTC)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def facility(lanzhou):
    return make_facility(make_enterprise(lanzhou))


def send(facility, *values: IncomingValue, cn: str = "2051") -> None:
    frame = IncomingFrame(
        received_at=NOW, peer="10.0.0.1:5000", raw=next(_raw), mn=facility.mn, cn=cn,
        facility_id=facility.pk, values=values,
    )  # fmt: skip
    write_frames([frame])


def minutes(
    facility,
    pollutant: str,
    start: datetime,
    values: list[float],
    flag: str = "N",
    first: int = 0,
    **extra: float,
) -> None:
    """One minute value per entry of ``values``, from minute ``first`` of the hour ``start``."""
    send(
        facility,
        *[
            IncomingValue(pollutant, "minute", start + timedelta(minutes=first + i), value=v,
                          flag=flag, **extra)
            for i, v in enumerate(values)
        ],
    )  # fmt: skip


def hourly(facility, pollutant: str, start: datetime, value: float, flag: str = "N") -> None:
    send(facility, IncomingValue(pollutant, "hourly", start, value=value, flag=flag), cn="2061")


def hour_rows(facility, pollutant: str = "so2"):
    return list(
        TelemetryValue.objects.filter(facility=facility, pollutant=pollutant, kind="hourly")
        .order_by("data_time", "revision")
    )  # fmt: skip


def rate(facility, day: date = DAY) -> DailyRate:
    return DailyRate.objects.get(facility=facility, day=day, kind="hourly")


# --- hourly values derived from minutes -------------------------------------------------------


def test_an_hour_without_a_device_value_is_derived_from_its_minutes(facility):
    # 45 minutes: 15 × 10, 15 × 20, 15 × 30 mg/m3 → mean (150 + 300 + 450) / 45 = 20
    minutes(facility, "so2", at(10), [10.0] * 15 + [20.0] * 15 + [30.0] * 15)
    # flow: 60 minutes of 150 m3 each → 9000 m3 in the hour
    minutes(facility, "flow", at(10), [2.5] * 60, cumulative=150.0)
    result = refresh(DAY, DAY, [facility.pk], now=NOW)
    assert result.derived_new == 2
    [so2] = hour_rows(facility)
    assert so2.data_time == datetime(2026, 3, 2, 2, tzinfo=UTC)  # 10:00 Beijing
    assert (so2.value, so2.minimum, so2.maximum) == (pytest.approx(20.0), 10.0, 30.0)
    assert (so2.flag, so2.source, so2.revision, so2.current) == ("N", "derived", 0, True)
    assert so2.frame_id is None
    [flow] = hour_rows(facility, "flow")
    assert flow.cumulative == pytest.approx(9000.0) and flow.value == pytest.approx(2.5)


def test_an_hour_is_valid_from_45_valid_minutes(facility):
    minutes(facility, "so2", at(10), [5.0] * 44)
    minutes(facility, "so2", at(11), [5.0] * 45)
    refresh(DAY, DAY, [facility.pk], now=NOW)
    short, full = hour_rows(facility)
    assert (short.data_time, short.flag, short.value) == (at(10), "IV", 5.0)
    assert (full.data_time, full.flag) == (at(11), "N")


def test_an_invalid_derived_hour_carries_the_dominant_flag(facility):
    # 40 N + 12 C + 8 D: too few valid minutes; C is the most frequent non-N flag
    minutes(facility, "so2", at(10), [10.0] * 40)
    minutes(facility, "so2", at(10), [99.0] * 12, flag="C", first=40)
    minutes(facility, "so2", at(10), [0.0] * 8, flag="D", first=52)
    refresh(DAY, DAY, [facility.pk], now=NOW)
    [hour] = hour_rows(facility)
    assert (hour.flag, hour.value) == ("C", 10.0)


def test_a_device_hourly_value_is_never_derived_over(facility):
    hourly(facility, "so2", at(10), 33.0)
    minutes(facility, "so2", at(10), [10.0] * 60)
    minutes(facility, "nox", at(10), [50.0] * 60)
    result = refresh(DAY, DAY, [facility.pk], now=NOW)
    assert (result.device_hours, result.derived_new) == (1, 1)
    [so2] = hour_rows(facility)
    assert (so2.value, so2.source) == (33.0, "device")
    assert hour_rows(facility, "nox")[0].source == "derived"


def test_a_device_value_arriving_later_supersedes_the_derived_one(facility):
    minutes(facility, "so2", at(10), [10.0] * 60)
    refresh(DAY, DAY, [facility.pk], now=NOW)
    hourly(facility, "so2", at(10), 12.0)  # the device's own hourly value, late
    again = refresh(DAY, DAY, [facility.pk], now=NOW)
    assert (again.derived_new, again.derived_updated, again.device_hours) == (0, 0, 1)
    rows = hour_rows(facility)
    assert [(r.revision, r.source, r.current, r.value) for r in rows] == [
        (0, "derived", False, 10.0),
        (1, "device", True, 12.0),
    ]


def test_refreshing_again_changes_nothing(facility):
    minutes(facility, "so2", at(10), [10.0] * 60)
    minutes(facility, "so2", at(11), [10.0] * 30)
    first = refresh(DAY, DAY, [facility.pk], now=NOW)
    second = refresh(DAY, DAY, [facility.pk], now=NOW)
    assert (first.derived_new, second.derived_new, second.derived_unchanged) == (2, 0, 2)
    assert TelemetryValue.objects.filter(kind="hourly").count() == 2
    assert DailyRate.objects.count() == 1


def test_later_minutes_update_the_derived_row_in_place(facility):
    minutes(facility, "so2", at(10), [10.0] * 30)
    refresh(DAY, DAY, [facility.pk], now=NOW)
    [before] = hour_rows(facility)
    assert before.flag == "IV"
    # 20 more minutes at 40 arrive late: 50 valid → mean (30 × 10 + 20 × 40) / 50 = 22
    minutes(facility, "so2", at(10), [40.0] * 20, first=30)
    later = NOW + timedelta(hours=1)
    result = refresh(DAY, DAY, [facility.pk], now=later)
    assert result.derived_updated == 1
    [after] = hour_rows(facility)
    assert (after.pk, after.revision, after.current) == (before.pk, 0, True)
    assert (after.flag, after.value, after.maximum) == ("N", pytest.approx(22.0), 40.0)
    assert after.received_at == later


def test_a_revised_minute_is_used_not_the_superseded_one(facility):
    minutes(facility, "so2", at(10), [10.0] * 60)
    minutes(facility, "so2", at(10), [70.0])  # minute 0 re-sent as 70: a revision
    refresh(DAY, DAY, [facility.pk], now=NOW)
    assert hour_rows(facility)[0].value == pytest.approx(11.0)  # (59 × 10 + 70) / 60


def test_hours_that_have_not_ended_are_not_derived(facility):
    minutes(facility, "so2", at(9), [10.0] * 60)
    minutes(facility, "so2", at(10), [10.0] * 30)
    now = at(10, 30)
    refresh(DAY, DAY, [facility.pk], now=now)
    assert [r.data_time for r in hour_rows(facility)] == [at(9)]
    assert rate(facility).expected == 10  # 00:00 .. 09:00 have ended


def test_minute_data_are_split_into_beijing_days_at_16_utc(facility):
    # 23:xx Beijing on 1 March = 15:xx UTC; 00:xx Beijing on 2 March = 16:xx UTC
    minutes(facility, "so2", at(23, day=1), [10.0] * 60)
    minutes(facility, "so2", at(0), [20.0] * 60)
    assert at(0) == datetime(2026, 3, 1, 16, tzinfo=UTC)
    refresh(DAY, DAY, [facility.pk], now=NOW)
    assert [r.data_time for r in hour_rows(facility)] == [at(0)]  # 2 March only
    refresh(date(2026, 3, 1), DAY, [facility.pk], now=NOW)
    assert [r.value for r in hour_rows(facility)] == [10.0, 20.0]
    assert (rate(facility, date(2026, 3, 1)).received, rate(facility).received) == (1, 1)


def test_the_valid_minutes_rule_is_45_from_hj_212_2017():
    """HJ 212-2017 Appendix D, formula (24): an hour needs 45 ≤ k valid minute values."""
    found = load_rulebook().get(VALID_MINUTES, on=DAY)
    assert (found.number(), found.unit.value, found.verified) == (45.0, "min", True)
    assert found.reference.title.startswith("HJ 212-2017")


def test_days_before_the_rule_is_in_force_are_not_derived(facility):
    old = date(2017, 4, 30)  # telemetry.valid_minutes_per_hour starts 2017-05-01
    minutes(facility, "so2", datetime(2017, 4, 30, 10, tzinfo=BEIJING), [10.0] * 60)
    result = refresh(old, old, [facility.pk], now=NOW)
    assert result.days_without_rule == 1 and not hour_rows(facility)


# --- daily rates ------------------------------------------------------------------------------


def test_daily_rates_count_received_valid_and_faulty_hours(facility):
    hourly(facility, "so2", at(0), 10.0)
    hourly(facility, "o2", at(0), 6.0)  # hour 0: all N → valid
    hourly(facility, "so2", at(1), 10.0, flag="D")  # hour 1: fault
    minutes(facility, "so2", at(2), [10.0] * 45)  # hour 2: derived, valid
    hourly(facility, "so2", at(3), 10.0)
    hourly(facility, "o2", at(3), 6.0, flag="B")  # hour 3: communication fault
    hourly(facility, "so2", at(4), 10.0, flag="M")  # hour 4: maintenance, received only
    refresh(DAY, DAY, [facility.pk], now=NOW)
    day = rate(facility)
    assert (day.expected, day.received, day.valid, day.faulty) == (24, 5, 2, 2)
    assert day.transmission_rate == pytest.approx(5 / 24)  # 0.2083
    assert day.valid_rate == pytest.approx(2 / 5)


def test_nothing_is_expected_before_the_facility_was_networked(lanzhou):
    facility = make_facility(make_enterprise(lanzhou), networked_on=DAY, accepted_on=None)
    result = refresh(date(2026, 3, 1), DAY, [facility.pk], now=NOW)
    assert result.daily_rates == 1
    assert not DailyRate.objects.filter(day=date(2026, 3, 1)).exists()
    assert (rate(facility).expected, rate(facility).received) == (24, 0)


def test_refresh_covers_every_facility_with_an_mn_by_default(facility, lanzhou):
    other = make_facility(make_enterprise(lanzhou))
    make_facility(make_enterprise(lanzhou), mn=None, networked_on=None, accepted_on=None)
    assert refresh(DAY, DAY, now=NOW).facilities == 2
    assert DailyRate.objects.filter(facility__in=[facility, other]).count() == 2
    with pytest.raises(ValueError, match="before"):
        refresh(DAY, date(2026, 3, 1))


# --- fault rates and the survey ---------------------------------------------------------------


def faulty_hours(facility, count: int, day: int = 2) -> None:
    for hour in range(count):
        hourly(facility, "so2", at(hour, day=day), 10.0, flag="D")


def test_fault_rates_per_facility_and_area(facility, lanzhou):
    silent = make_facility(make_enterprise(lanzhou))
    faulty_hours(facility, 6)
    refresh(date(2026, 3, 1), DAY, now=NOW)
    rates = fault_rates([facility.pk, silent.pk], date(2026, 3, 1), DAY)
    assert rates == {facility.pk: pytest.approx(6 / 48), silent.pk: None}  # 6 of 2 × 24 hours
    # the silent facility never sent anything: it is left out, not counted as fault-free
    assert area_fault_rate([facility.pk, silent.pk], date(2026, 3, 1), DAY) == pytest.approx(0.125)
    assert fault_rates([facility.pk], date(2026, 2, 1), date(2026, 2, 2)) == {facility.pk: None}
    assert area_fault_rate([silent.pk], date(2026, 3, 1), DAY) is None


def test_the_survey_shows_the_fault_rate_of_the_last_30_days(petra, facility, tianshui):
    make_facility(make_enterprise(tianshui))  # networked, never sent anything
    faulty_hours(facility, 6)
    as_of = date(2026, 3, 31)
    refresh(as_of - timedelta(days=29), as_of, now=NOW.replace(month=4))
    total, per_city = survey(petra, as_of)
    # 6 faulty hours / (30 days × 24 h) = 0.8333 % → 0.8; Tianshui has no data yet
    assert total.fault_rate == 0.8
    by_name = {figures.name: figures.fault_rate for figures in per_city}
    assert (by_name["兰州市"], by_name["天水市"]) == (0.8, None)
    assert total.anomaly_rate is None
    # the 30 days ending 1 April start on 3 March: the faulty day drops out → 0 / (29 × 24)
    assert survey(petra, date(2026, 4, 1))[0].fault_rate == 0.0


def test_the_survey_fault_rate_is_none_without_data(petra, facility):
    refresh(DAY - timedelta(days=29), DAY, now=NOW)
    assert survey(petra, DAY)[0].fault_rate is None


# --- connection state -------------------------------------------------------------------------


def test_links_go_offline_after_the_configured_minutes(facility, lanzhou, settings):
    settings.TELEMETRY_OFFLINE_AFTER_MINUTES = 30
    quiet = make_facility(make_enterprise(lanzhou))
    never = make_facility(make_enterprise(lanzhou))
    FacilityLink.objects.create(facility=facility, last_seen=NOW - timedelta(minutes=30))
    FacilityLink.objects.create(
        facility=quiet, last_seen=NOW - timedelta(minutes=31), connected=True
    )
    FacilityLink.objects.create(facility=never, connected=True)
    assert update_links(now=NOW) == (1, 2)
    state = dict(FacilityLink.objects.values_list("facility_id", "connected"))
    assert state == {facility.pk: True, quiet.pk: False, never.pk: False}
    assert update_links(now=NOW) == (0, 0)


def test_the_default_threshold_is_60_minutes(facility, settings):
    if hasattr(settings, "TELEMETRY_OFFLINE_AFTER_MINUTES"):
        del settings.TELEMETRY_OFFLINE_AFTER_MINUTES
    FacilityLink.objects.create(facility=facility, last_seen=NOW - timedelta(minutes=59))
    assert update_links([facility.pk], now=NOW) == (1, 0)
    assert update_links([facility.pk], now=NOW + timedelta(minutes=2)) == (0, 1)


# --- the command ------------------------------------------------------------------------------


def test_the_aggregate_command_derives_and_reports(facility):
    minutes(facility, "so2", at(10), [10.0] * 60)
    out = io.StringIO()
    call_command("aggregate", "--since", "2026-03-01", "--until", "2026-03-02", stdout=out)
    assert "新增 1" in out.getvalue()
    assert rate(facility).received == 1
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("aggregate", "--since", "2026-3-1")
    with pytest.raises(CommandError, match="before"):
        call_command("aggregate", "--since", "2026-03-02", "--until", "2026-03-01")
