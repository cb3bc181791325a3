"""Runner wiring added for issue 4's quality work: start-up/shutdown exemption, back-dated
rewrites from the store's revisions, minute rules on minute data, and the inputs not known yet
(inspections). Real database and rule book; data written through the telemetry store.

The facility is a thermal power air outlet: SO2 limit 200 mg/m³ (GB 13223-2011 coal boiler,
existing; see test_runner.py), start-up 4 h and shutdown 1 h
(``screening.startup_shutdown_hours``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ceguan.screening.models import Alarm
from ceguan.screening.runner import screen
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import NOW, T0, baseline, write_hours

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def rules(facility: Any) -> dict[str, list[Alarm]]:
    out: dict[str, list[Alarm]] = {}
    for alarm in Alarm.objects.filter(facility=facility).order_by("episode_start"):
        out.setdefault(alarm.rule_id, []).append(alarm)
    return out


def test_exceedances_in_start_up_are_not_judged_but_later_ones_are(plant: Any) -> None:
    # hours 0–9 normal, 10–13 stopped (F), 14–17 start-up (4 h after the last F at 13:00) with
    # 300 mg/m³, 18–19 running at 300 mg/m³: only 18–19 are an exceedance.
    values = baseline(10) + [5.0] * 4 + [300.0] * 6 + baseline(10)
    flags = ["N"] * 10 + ["F"] * 4 + ["N"] * 16
    write_hours(plant, values, flags=flags)
    result = screen(now=NOW)
    [alarm] = rules(plant)["exceedance"]
    assert (alarm.episode_start, alarm.episode_end) == (
        T0 + timedelta(hours=18),
        T0 + timedelta(hours=19),
    )
    assert result.skipped["step_at_inspection: inspections"] == 1  # no inspection dates yet


def test_a_back_dated_rewrite_in_the_store_raises_an_alarm(plant: Any) -> None:
    write_hours(plant, baseline(30))
    at = T0 + timedelta(hours=5)
    frame = IncomingFrame(
        received_at=T0 + timedelta(hours=29),  # 24 h after the data time: not a correction
        peer="10.0.0.1:5000",
        raw=f"##rewrite {plant.mn}".encode(),
        mn=plant.mn,
        cn="2061",
        facility_id=plant.pk,
        values=[IncomingValue("so2", "hourly", at, value=50.0, converted=50.0, flag="N")],
    )
    write_frames([frame])
    screen(now=NOW)
    [alarm] = rules(plant)["backdated_rewrite"]
    assert alarm.episode_start == at
    evidence = alarm.evidence["episode"]["evidence"]
    assert evidence["n_values"] == 1 and evidence["n_lowered"] == 1


def test_minute_zeros_shorter_than_the_hourly_rule_sees_are_found(plant: Any) -> None:
    # 3 h of minute data with SO2 0 from 01:10 to 02:30 (80 minutes) while the flow runs; the
    # hourly means (not written) would hide it. zero_or_negative on minutes needs 60 in a row.
    frames = []
    for m in range(180):
        at = T0 + timedelta(minutes=m)
        so2 = 0.0 if 70 <= m < 150 else 100.0 + (m * 7) % 23
        frames.append(
            IncomingFrame(
                received_at=at + timedelta(seconds=30),
                peer="10.0.0.1:5000",
                raw=f"##m {plant.mn} {m}".encode(),
                mn=plant.mn,
                cn="2051",
                facility_id=plant.pk,
                values=[
                    IncomingValue("so2", "minute", at, value=so2, flag="N"),
                    IncomingValue("flow", "minute", at, value=300.0 + m % 5, flag="N"),
                ],
            )
        )
    write_frames(frames)
    write_hours(plant, baseline(3))
    screen(now=NOW)
    [alarm] = rules(plant)["zero_or_negative"]
    assert (alarm.episode_start, alarm.episode_end) == (
        T0 + timedelta(minutes=70),
        T0 + timedelta(minutes=149),
    )
    assert alarm.evidence["series"]["kind"] == "minute"
    assert alarm.evidence["episode"]["evidence"]["n_values"] == 80
