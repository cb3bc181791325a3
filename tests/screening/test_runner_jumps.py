"""The runner judges ``minute_jumps_rose`` once a Beijing day closes, over the series' past.

An incremental run loads the minutes just received plus one day; the rule compares whole days
with the series' other days, so the runner judges it only when new data close a Beijing day,
and then over ``OWN_HISTORY`` (14 days) of the series. Real database and rule book; data
written through the telemetry store, as the HJ 212 server writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening.models import Alarm, Category
from ceguan.screening.runner import screen
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import baseline, write_hours

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
DAY = timedelta(days=1)
MIDNIGHT = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)  # 2026-01-06 00:00 in Beijing
S, D = 0.001, 0.004  # smooth move and made-up jitter per minute, in ln value


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def day_values(day: int, made_up: bool) -> list[float]:
    """One Beijing day of SO2 minute values, as a device sends them (three decimals): a
    triangle wave in ln value moving ``S`` a minute with a little analyser noise; a made-up
    day adds ``±D`` alternating every minute."""
    k = np.arange(1440)
    x = S * np.abs((k + 60) % 120 - 60) + np.random.default_rng(day).normal(0.0, 2e-4, 1440)
    if made_up:
        x = x + D * np.where(k % 2 == 0, 1.0, -1.0)
    return [round(v, 3) for v in 50.0 * np.exp(x)]


def write_minutes(plant: Any, first_day: int, days: list[list[float]], start: int = 0) -> None:
    """Minute values from minute ``start`` of Beijing day ``first_day``, and hourly values
    beside them (the runner screens the pollutants that have an hourly series)."""
    begin = MIDNIGHT + first_day * DAY + timedelta(minutes=start)
    count = sum(len(d) for d in days)
    write_hours(plant, baseline(-(-count // 60)), start=begin)
    frames = []
    for i, value in enumerate(v for d in days for v in d):
        at = begin + timedelta(minutes=i)
        frames.append(
            IncomingFrame(
                received_at=at + timedelta(seconds=30),
                peer="10.0.0.1:5000",
                raw=f"##m {plant.mn} {at.isoformat()}".encode(),
                mn=plant.mn,
                cn="2051",
                facility_id=plant.pk,
                values=[IncomingValue("so2", "minute", at, value=value, flag="N")],
            )
        )
    write_frames(frames)


def jump_alarms(plant: Any) -> list[Alarm]:
    return list(Alarm.objects.filter(facility=plant, rule_id="minute_jumps_rose"))


def test_made_up_days_raise_one_alarm_when_their_days_close(plant: Any) -> None:
    write_minutes(plant, 0, [day_values(d, False) for d in range(7)])
    first = screen(now=MIDNIGHT + 7 * DAY)  # the first run judges all it loads
    assert first.daily_history == 0 and jump_alarms(plant) == []

    write_minutes(plant, 7, [day_values(d, True) for d in range(7, 11)])
    result = screen(now=MIDNIGHT + 11 * DAY)
    assert result.daily_history == 1  # judged over the series' past, not the window alone
    [alarm] = jump_alarms(plant)
    assert alarm.category == Category.FALSIFICATION_SIGN
    assert alarm.episode_start == MIDNIGHT + 7 * DAY
    assert alarm.episode_end == MIDNIGHT + 11 * DAY - timedelta(minutes=1)
    found = alarm.evidence["episode"]["evidence"]
    assert found["days"] == 4 and found["first_day"] == "2026-01-13"
    assert found["jump_ratio"] > 1.4 * 1.0 and found["persistence"] < found["reference_persistence"]


def test_the_rule_waits_for_a_day_to_close(plant: Any) -> None:
    write_minutes(plant, 0, [day_values(d, False) for d in range(10)])
    screen(now=MIDNIGHT + 10 * DAY)
    # 00:00–02:00 of day 10: the minute before them (23:59 of day 9) closes day 9
    write_minutes(plant, 10, [day_values(10, False)[:120]])
    assert screen(now=MIDNIGHT + 10 * DAY + timedelta(hours=2)).daily_history == 1
    # 02:00–04:00: an incremental run re-counts the values above the last settled mark
    # (ceguan.screening.marks.SETTLE), here those of 00:00 on, so day 9 still closes
    write_minutes(plant, 10, [day_values(10, False)[120:240]], start=120)
    assert screen(now=MIDNIGHT + 10 * DAY + timedelta(hours=4)).daily_history == 1
    # 04:00–06:00: the new values begin at 02:00; nothing closed, the rule is not judged
    write_minutes(plant, 10, [day_values(10, False)[240:360]], start=240)
    assert screen(now=MIDNIGHT + 10 * DAY + timedelta(hours=6)).daily_history == 0
    assert jump_alarms(plant) == []
