"""Runner wiring (style.md §8): the right series and limit reach the detectors, and each alarm
carries its evidence. Real database, real rule book, data written through the telemetry store.

The facility is a thermal power plant's air outlet: by the rule book's applicability default
(``applicability/thermal_power/air``: GB 13223-2011, coal_boiler, existing) its SO2 limit is
200 mg/m³ at 6 % O2 (``limits/gb13223/coal_boiler/existing/so2``, unverified).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ceguan.screening.models import Alarm, AlarmEvent, PermitLimit, ScreeningCursor
from ceguan.screening.runner import run_due, screen
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


def baseline(n: int) -> list[float]:
    """Varied values well under the 200 mg/m³ limit (no constant runs)."""
    return [100.0 + (i * 7) % 23 for i in range(n)]


def write_hours(
    facility: Any,
    values: list[float | None],
    *,
    start: datetime = T0,
    flags: list[str] | None = None,
    converted: bool = True,
    o2: list[float] | None = None,
) -> list[int]:
    """One frame per hour with the SO2 value (and O2); returns the raw frame ids."""
    frames = []
    for i, value in enumerate(values):
        at = start + timedelta(hours=i)
        items = [
            IncomingValue(
                "so2",
                "hourly",
                at,
                value=value,
                converted=value if converted else None,
                flag=(flags or ["N"] * len(values))[i],
            )
        ]
        if o2 is not None:
            items.append(IncomingValue("o2", "hourly", at, value=o2[i], flag="N"))
        frames.append(
            IncomingFrame(
                received_at=at + timedelta(minutes=5),
                peer="10.0.0.1:5000",
                raw=f"##test {facility.mn} {at.isoformat()}".encode(),
                mn=facility.mn,
                cn="2061",
                facility_id=facility.pk,
                values=items,
            )
        )
    return [r.frame_id for r in write_frames(frames)]


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def exceedances(facility: Any) -> list[Alarm]:
    return list(Alarm.objects.filter(facility=facility, rule_id="exceedance"))


@time_machine.travel(NOW, tick=False)
def test_an_hourly_so2_exceedance_raises_one_alarm_with_its_evidence(plant: Any) -> None:
    values = baseline(24)
    values[10:13] = [250.0, 260.0, 240.0]
    frame_ids = write_hours(plant, values)
    screen()
    [alarm] = exceedances(plant)
    assert alarm.category == "exceedance" and alarm.status == "new"
    assert alarm.pollutant == "so2" and alarm.severity == "alarm"
    assert (alarm.episode_start, alarm.episode_end) == (
        T0 + timedelta(hours=10),
        T0 + timedelta(hours=12),
    )
    assert alarm.score == pytest.approx(1.3)  # 260 / 200
    limit = alarm.evidence["limit"]
    assert limit["value"] == 200.0 and limit["unit"] == "mg/m3" and limit["reference_o2"] == 6.0
    assert limit["reference"] == "GB 13223-2011 表1" and limit["verified"] is False
    assert limit["applicability"]["standard"] == "gb13223"
    assert alarm.rule_unverified is True
    assert alarm.evidence["episode"]["evidence"]["max_value"] == 260.0
    series = alarm.evidence["series"]
    assert series["times"][0] == "2026-01-05T00:00:00Z"  # 12 h before the episode, clipped
    assert series["times"][-1] == "2026-01-05T23:00:00Z"
    assert series["values"][10:13] == [250.0, 260.0, 240.0] and series["basis"] == "converted"
    assert alarm.evidence["frame_ids"] == frame_ids[10:13]
    [event] = AlarmEvent.objects.filter(alarm=alarm)
    assert (event.from_status, event.to_status, event.processed_at) == ("", "new", None)


@time_machine.travel(NOW, tick=False)
def test_measured_values_are_converted_with_o2_when_the_device_sent_none(plant: Any) -> None:
    values = baseline(24)
    values[5:7] = [150.0, 150.0]
    o2 = [9.0] * 24
    o2[5:7] = [12.0, 12.0]
    write_hours(plant, values, converted=False, o2=o2)
    screen()
    [alarm] = exceedances(plant)
    # 150 × (21 − 6) / (21 − 12) = 250 mg/m³ at 6 % O2 > 200
    assert alarm.evidence["episode"]["evidence"]["max_value"] == pytest.approx(250.0)


@time_machine.travel(NOW, tick=False)
def test_rerunning_adds_nothing(plant: Any) -> None:
    values = baseline(24)
    values[10:13] = [250.0, 260.0, 240.0]
    write_hours(plant, values)
    first = screen()
    alarms, events = Alarm.objects.count(), AlarmEvent.objects.count()
    again = screen(full=True)
    assert first.created == alarms and again.created == 0 and again.extended == 0
    assert (Alarm.objects.count(), AlarmEvent.objects.count()) == (alarms, events)


def test_a_longer_episode_extends_the_same_alarm(plant: Any) -> None:
    values = baseline(13)
    values[10:13] = [250.0, 260.0, 240.0]
    ids = write_hours(plant, values)
    with time_machine.travel(T0 + timedelta(hours=13), tick=False):
        screen()
    ids += write_hours(plant, [230.0, 280.0, 120.0], start=T0 + timedelta(hours=13))
    with time_machine.travel(NOW, tick=False):
        result = screen()
    [alarm] = exceedances(plant)
    assert result.extended >= 1
    assert alarm.episode_end == T0 + timedelta(hours=14)
    assert alarm.score == pytest.approx(1.4)  # 280 / 200
    assert alarm.evidence["frame_ids"] == ids[10:15]
    assert [e.to_status for e in alarm.events.all()] == ["new", "new"]
    assert "extended" in alarm.events.last().note


@time_machine.travel(NOW, tick=False)
def test_a_permit_limit_overrides_the_standard(plant: Any) -> None:
    PermitLimit.objects.create(
        outlet=plant.outlet,
        pollutant="so2",
        period="hourly",
        value=120.0,
        unit="mg/m3",
        clause="91620100XXXX001P 表1",
        verified=True,
    )
    values = [v - 40 for v in baseline(24)]  # 60–82, under both limits
    values[3:5] = [150.0, 160.0]  # under the standard's 200, over the permit's 120
    write_hours(plant, values)
    screen()
    [alarm] = exceedances(plant)
    limit = alarm.evidence["limit"]
    assert limit["value"] == 120.0 and limit["source"] == "permit"
    assert limit["reference"].startswith("排污许可证") and limit["verified"] is True
    assert limit["reference_o2"] == 6.0  # the standard's basis, the permit states none
    assert alarm.rule_unverified is False
    assert alarm.score == pytest.approx(160 / 120)


@time_machine.travel(NOW, tick=False)
def test_marked_hours_over_the_limit_are_an_unbacked_marking(plant: Any) -> None:
    values = baseline(24)
    values[8:10] = [250.0, 270.0]
    flags = ["N"] * 24
    flags[8:10] = ["M", "M"]
    write_hours(plant, values, flags=flags)
    screen()
    assert exceedances(plant) == []  # marked values are not judged as exceedances
    [alarm] = Alarm.objects.filter(facility=plant, rule_id="marking_hides_exceedance")
    assert alarm.category == "falsification_sign"
    assert alarm.evidence["backing"] == "unbacked marking"
    assert alarm.evidence["limit"]["value"] == 200.0


def test_the_cursor_makes_runs_incremental(plant: Any) -> None:
    write_hours(plant, baseline(12))
    with time_machine.travel(T0 + timedelta(hours=12), tick=False):
        assert screen().facilities == 1
        assert screen().facilities == 0  # nothing new
    cursor = ScreeningCursor.objects.get(facility=plant)
    assert cursor.last_data_time == T0 + timedelta(hours=11)
    write_hours(plant, [250.0, 260.0], start=T0 + timedelta(hours=12))
    with time_machine.travel(NOW, tick=False):
        assert run_due().facilities == 1
        assert len(exceedances(plant)) == 1
        PermitLimit.objects.create(
            outlet=plant.outlet, pollutant="so2", period="hourly", value=90.0, clause="表1"
        )
        assert run_due().facilities == 1  # a rule change re-screens without new data
    cursor.refresh_from_db()
    assert cursor.last_data_time == T0 + timedelta(hours=13)


@time_machine.travel(NOW, tick=False)
def test_the_screen_command_screens_one_city(plant: Any, tianshui: Any) -> None:
    other = make_facility(make_enterprise(tianshui, industry="thermal_power"))
    values = baseline(24)
    values[10:12] = [250.0, 260.0]
    write_hours(plant, values)
    write_hours(other, values)
    out = StringIO()
    call_command("screen", "--city", "兰州市", stdout=out)
    assert "新告警" in out.getvalue()
    assert len(exceedances(plant)) == 1 and exceedances(other) == []
    call_command("screen", "--city", "620500", "--since", "2026-01-05", stdout=out)
    assert len(exceedances(other)) == 1
    with pytest.raises(CommandError):
        call_command("screen", "--city", "不存在市", stdout=out)
