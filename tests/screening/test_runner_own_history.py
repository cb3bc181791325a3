"""Incremental runs give ``constant_run`` the series' own past on a coarse analyzer.

An incremental run loads the new minutes plus one day (``MINUTE_LOOKBACK``). ``constant_run``
version 2 judges a run of a coarse analyzer (it moves by one resolution step) against the
series' own quiet stretches; one day holds one of them, so a quiet night would look unusual.
When such a run turns up, the runner judges it again over ``OWN_HISTORY`` (14 days) of the
series. Real database and rule book; data written through the telemetry store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening.detectors.constant import constant_run
from ceguan.screening.models import Alarm
from ceguan.screening.runner import screen
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_runner import T0, baseline, write_hours

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
DAY = timedelta(days=1)
QUIET_FROM, QUIET_TO = 60, 60 + 8 * 60  # minutes of each day: 01:00–09:00 on one value


@pytest.fixture
def plant(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, industry="thermal_power"))


def coarse_day(day: int, *, quiet_minutes: int = QUIET_TO - QUIET_FROM) -> list[float]:
    """A 1 mg/m³-resolution analyzer: one step up or down every two minutes, and a quiet
    stretch on one value each night (longer on some nights, as on a real quiet main)."""
    values, level = [], 60.0
    for m in range(1440):
        if QUIET_FROM <= m < QUIET_FROM + quiet_minutes + 20 * (day % 4):
            values.append(level)
            continue
        if m % 2 == 0:
            level += 1.0 if (m // 2 + day) % 3 else -1.0
            level = min(max(level, 40.0), 90.0)
        values.append(level)
    return values


def fine_day(day: int) -> list[float]:
    """The same process read at full resolution (three decimals, as the simulated devices
    send): it never sits on one value and moves by ever different amounts."""
    noise = np.random.default_rng(day).normal(0.0, 0.3, 1440)
    return [round(v + e, 3) for v, e in zip(coarse_day(day), noise, strict=True)]


def write_minutes(plant: Any, first_day: int, days: list[list[float]]) -> None:
    """The minute values, and varied hourly values beside them (the runner screens the
    pollutants that have an hourly series, with their minute series)."""
    write_hours(plant, baseline(24 * len(days)), start=T0 + first_day * DAY)
    write_frames(minute_frames(plant, T0 + first_day * DAY, [v for day in days for v in day]))


def minute_frames(plant: Any, begin: datetime, values: list[float]) -> list[IncomingFrame]:
    """One CN 2051 frame a minute from ``begin``, with the SO2 value flagged N, received 30 s
    after its minute."""
    frames = []
    for m, value in enumerate(values):
        at = begin + timedelta(minutes=m)
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
    return frames


def constant_alarms(plant: Any) -> list[Alarm]:
    return list(Alarm.objects.filter(facility=plant, rule_id="constant_run"))


def window_verdict(days: list[list[float]], first_day: int) -> int:
    """Episodes of constant_run on these days alone (what one day of history would say)."""
    values = np.array([v for day in days for v in day])
    start = np.datetime64((T0 + first_day * DAY).replace(tzinfo=None), "s")
    times = start + np.arange(values.size) * np.timedelta64(60, "s")
    flags = np.full(values.size, "N")
    return len(constant_run(times, values, flags, pollutant="so2"))


def test_a_quiet_night_of_a_coarse_analyzer_is_judged_against_two_weeks(plant: Any) -> None:
    history = [coarse_day(d) for d in range(14)]
    write_minutes(plant, 0, history)
    result = screen(now=T0 + 14 * DAY)  # the first run: all 14 days
    assert constant_alarms(plant) == []

    new_day = coarse_day(14)
    write_minutes(plant, 14, [new_day])
    # What the incremental window alone (day 13 and the new day) would say: its quiet nights.
    assert window_verdict([history[-1], new_day], 13) >= 1

    result = screen(now=T0 + 15 * DAY)
    assert result.facilities == 1
    assert result.own_history == 1  # the run was judged again over 14 days of the series
    assert constant_alarms(plant) == []


def test_a_frozen_coarse_analyzer_is_still_reported_after_the_second_look(plant: Any) -> None:
    write_minutes(plant, 0, [coarse_day(d) for d in range(14)])
    screen(now=T0 + 14 * DAY)
    frozen = coarse_day(14)
    frozen[QUIET_FROM:] = [frozen[QUIET_FROM]] * (1440 - QUIET_FROM)
    # Stuck for 119 h: longer than this series' own quiet nights make likely (8–9 h each, 14
    # of them: the rule's tail needs about 90 h here); a shorter freeze is not told apart.
    write_minutes(plant, 14, [frozen] + [[frozen[-1]] * 1440] * 4)
    result = screen(now=T0 + 19 * DAY)
    assert result.own_history == 1
    [alarm] = constant_alarms(plant)
    first = next(m for m in range(1440) if frozen[m:] == [frozen[-1]] * (1440 - m))
    assert first <= QUIET_FROM  # the value held since the last step before the quiet stretch
    assert alarm.episode_start == T0 + 14 * DAY + timedelta(minutes=first)
    assert alarm.episode_end == T0 + 19 * DAY - timedelta(minutes=1)
    assert alarm.evidence["episode"]["evidence"]["own_tail"] is True


def test_a_fine_resolution_series_needs_no_second_look(plant: Any) -> None:
    write_minutes(plant, 0, [fine_day(d) for d in range(14)])
    screen(now=T0 + 14 * DAY)
    assert constant_alarms(plant) == []
    frozen = fine_day(14)
    frozen[QUIET_FROM : QUIET_FROM + 600] = [frozen[QUIET_FROM]] * 600  # 10 h on one value
    write_minutes(plant, 14, [frozen])
    result = screen(now=T0 + 15 * DAY)
    assert result.own_history == 0
    [alarm] = constant_alarms(plant)
    assert alarm.episode_start == T0 + 14 * DAY + timedelta(minutes=QUIET_FROM)
