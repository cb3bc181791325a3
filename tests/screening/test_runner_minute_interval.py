"""Minute data sent every 10 minutes: the runner reads the series' own interval.

HJ 212 devices send "minute data" every ``MinInterval`` minutes (10 is common), each value the
mean of its interval. The minute rules' counts stand for durations on one-minute data (an hour
of zeros is 60 values); at 10 minutes an hour is 6 values. Real database and rule book.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening import DETECTORS
from ceguan.screening.minute import MINUTE_RULES, SCALED_FLOOR, minute_tuning
from ceguan.screening.models import Alarm
from ceguan.screening.runner import screen
from ceguan.screening.wiring import minute_interval
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import T0, baseline, write_hours

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
TEN = timedelta(minutes=10)


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def write_ten_minute(plant: Any, so2: list[float]) -> None:
    """SO2 and flow every 10 minutes from T0 (the plant runs throughout), hourly SO2 beside."""
    write_hours(plant, baseline(len(so2) // 6), start=T0)
    frames = []
    for i, value in enumerate(so2):
        at = T0 + i * TEN
        values = [
            IncomingValue("so2", "minute", at, value=value, flag="N"),
            IncomingValue("flow", "minute", at, value=50_000.0 + 100 * (i % 7), flag="N"),
        ]
        frames.append(
            IncomingFrame(
                received_at=at + TEN,
                peer="10.0.0.1:5000",
                raw=f"##m {plant.mn} {at.isoformat()}".encode(),
                mn=plant.mn,
                cn="2051",
                facility_id=plant.pk,
                values=values,
            )
        )
    write_frames(frames)


def test_the_interval_is_read_from_the_data_times() -> None:
    start = np.datetime64("2026-01-05T00:00", "s")
    every_ten = start + np.arange(0, 600, 10).astype("m8[m]")
    assert minute_interval(every_ten) == np.timedelta64(10, "m")
    gappy = np.delete(every_ten, [3, 4, 5, 20])  # gaps do not change the median spacing
    assert minute_interval(gappy) == np.timedelta64(10, "m")
    every_minute = start + np.arange(120).astype("m8[m]")
    assert minute_interval(every_minute) == np.timedelta64(1, "m")
    odd = start + np.arange(0, 70, 7).astype("m8[m]")  # 7 min is not a MinInterval
    assert minute_interval(odd) == np.timedelta64(1, "m")
    assert minute_interval(start + np.arange(1).astype("m8[m]")) == np.timedelta64(1, "m")


def test_duration_counts_are_scaled_down_to_their_floor() -> None:
    assert MINUTE_RULES["zero_or_negative"] == {"min_count": 60}  # an hour of minutes
    assert minute_tuning("zero_or_negative", 10) == {"min_count": 6}
    assert minute_tuning("missing_data", 10) == {"min_missing": 6}
    assert minute_tuning("missing_data", 30) == {"min_missing": 2}
    assert minute_tuning("zero_or_negative", 1) == MINUTE_RULES["zero_or_negative"]
    assert minute_tuning("copied_segment", 1) == {"block": 60}
    assert minute_tuning("copied_segment", 2) == {"block": 30}
    assert minute_tuning("copied_segment", 10) == {"block": SCALED_FLOOR["block"]}
    # the floor holds at least the distinct moves copied_segment asks of a block
    assert SCALED_FLOOR["block"] - 1 >= DETECTORS["copied_segment"].tuning["min_distinct"]


def test_an_hour_of_zeros_sent_every_ten_minutes_is_reported(plant: Any) -> None:
    so2 = [40.0 + (i * 7) % 11 for i in range(6 * 24)]
    so2[60:66] = [0.0] * 6  # 10:00–10:50: an hour of zeros while the plant runs
    write_ten_minute(plant, so2)
    screen(now=T0 + timedelta(days=1, hours=1))
    [alarm] = Alarm.objects.filter(facility=plant, rule_id="zero_or_negative")
    assert alarm.episode_start == T0 + 60 * TEN
    assert alarm.episode_end == T0 + 65 * TEN


def test_five_zeros_sent_every_ten_minutes_are_not_an_hour(plant: Any) -> None:
    so2 = [40.0 + (i * 7) % 11 for i in range(6 * 24)]
    so2[60:65] = [0.0] * 5
    write_ten_minute(plant, so2)
    screen(now=T0 + timedelta(days=1, hours=1))
    assert not Alarm.objects.filter(facility=plant, rule_id="zero_or_negative").exists()
