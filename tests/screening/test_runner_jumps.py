"""The runner judges ``minute_jumps_rose`` once a day, over the series' past.

An incremental run loads the minutes just received plus one day; the rule compares whole days
with the series' other days, so the runner judges it once a day, when the new values reach back
over the facility's daily slot (00:30–06:00 Beijing), and then over ``OWN_HISTORY`` (14 days)
of the series. Real database and rule book; data written through the telemetry store, as the
HJ 212 server writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening import DETECTORS
from ceguan.screening.minute import daily_slot
from ceguan.screening.models import Alarm, Category
from ceguan.screening.runner import screen
from ceguan.telemetry.store import write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import baseline, write_hours
from tests.screening.test_runner_own_history import minute_frames

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
    write_frames(minute_frames(plant, begin, [v for d in days for v in d]))


def jump_alarms(plant: Any) -> list[Alarm]:
    return list(Alarm.objects.filter(facility=plant, rule_id="minute_jumps_rose"))


def test_made_up_days_raise_one_alarm_at_the_daily_slot(plant: Any) -> None:
    write_minutes(plant, 0, [day_values(d, False) for d in range(7)])
    first = screen(now=MIDNIGHT + 7 * DAY)  # the first run judges all it loads
    assert first.daily_history == 0 and jump_alarms(plant) == []

    slot = int(daily_slot(plant.pk).total_seconds() // 60)
    made_up = [day_values(d, True) for d in range(7, 11)]
    write_minutes(plant, 7, [*made_up, day_values(11, False)[: slot + 10]])
    result = screen(now=MIDNIGHT + 11 * DAY + timedelta(minutes=slot + 10))
    assert result.daily_history == 1  # judged over the series' past, not the window alone
    [alarm] = jump_alarms(plant)
    assert alarm.category == Category.FALSIFICATION_SIGN
    assert alarm.episode_start == MIDNIGHT + 7 * DAY
    assert alarm.episode_end == MIDNIGHT + 11 * DAY - timedelta(minutes=1)
    found = alarm.evidence["episode"]["evidence"]
    assert found["days"] == 4 and found["first_day"] == "2026-01-13"
    assert found["jump_ratio"] > 1.4 and found["persistence"] < found["reference_persistence"]


def test_the_rule_waits_for_the_facility_s_daily_slot(plant: Any) -> None:
    write_minutes(plant, 0, [day_values(d, False) for d in range(10)])
    screen(now=MIDNIGHT + 10 * DAY)
    slot = int(daily_slot(plant.pk).total_seconds() // 60)
    today = day_values(10, False)

    def run(upto: int) -> int:
        return screen(now=MIDNIGHT + 10 * DAY + timedelta(minutes=upto)).daily_history

    write_minutes(plant, 10, [today[: slot - 20]])  # day 10 until just before the slot
    assert run(slot - 20) == 0
    write_minutes(plant, 10, [today[slot - 20 : slot + 20]], start=slot - 20)  # over it
    assert run(slot + 20) == 1
    # An incremental run counts the values above the last settled mark
    # (ceguan.screening.marks.SETTLE): here those from slot − 20 on, so it is due once more …
    write_minutes(plant, 10, [today[slot + 20 : slot + 60]], start=slot + 20)
    assert run(slot + 60) == 1
    # … and then no longer, until the next day's slot
    write_minutes(plant, 10, [today[slot + 60 : slot + 100]], start=slot + 60)
    assert run(slot + 100) == 0
    assert jump_alarms(plant) == []


def test_daily_slots_lie_between_half_past_midnight_and_six_and_spread_out() -> None:
    slots = [daily_slot(i) for i in range(1, 331)]
    assert min(slots) == timedelta(minutes=30) and max(slots) == timedelta(minutes=359)
    assert len(set(slots)) == 330  # 330 consecutive facilities: one a minute
    # under the pairs a day needs to be judged: the day just begun is never judged at its slot
    assert max(slots) < timedelta(minutes=DETECTORS["minute_jumps_rose"].tuning["min_pairs"])
