"""How the simulator plans injected problems over weeks: realistic durations, one at a time."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator import Problem
from ceguan.telemetry.simulator.injections import (
    DURATION_H,
    PRACTICES,
    STRIDE,
    WHILE_RUNNING,
    Injection,
    plan,
)
from ceguan.telemetry.simulator.series import FacilitySeries
from ceguan.telemetry.simulator.signals import FacilityProfile, Phase, SignalModel, minute_of

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=BEIJING)
DAY = timedelta(days=1)
SHIFT = FacilityProfile(11, "MNSHIFT", "cems", ("so2", "nox", "particulate", "o2", "flow"), "food")
POWER = FacilityProfile(
    12, "MNPOWER", "cems", ("so2", "nox", "particulate", "o2", "flow"), "thermal_power"
)


def planned(profile: FacilityProfile, seed: int, days: int = 3 * STRIDE) -> list[Injection]:
    model = SignalModel(profile, seed)
    out: list[Injection] = []
    for chunk in range(days):
        out += plan(model, seed, T0 + chunk * DAY, T0 + (chunk + 1) * DAY, share=1.0, chunk=chunk)
    return out


def hours(injection: Injection) -> float:
    return (injection.end - injection.start).total_seconds() / 3600


def test_practices_last_days_and_incidents_hours_one_problem_at_a_time() -> None:
    seen: set[Problem] = set()
    for seed in range(1, 9):
        for profile in (SHIFT, POWER):
            injections = sorted(planned(profile, seed), key=lambda i: i.start)
            for a, b in itertools.pairwise(injections):
                assert a.end <= b.start, (a, b)  # never two problems at once
            for injection in injections:
                low, high = DURATION_H[injection.problem]
                seen.add(injection.problem)
                if injection.problem in PRACTICES:
                    assert low - 0.2 <= hours(injection) <= high + 24, injection
                else:
                    assert hours(injection) <= min(high, 24), injection
    assert seen >= PRACTICES and len(seen) == len(Problem)


def test_a_copied_day_is_whole_beijing_days_copied_from_the_day_before() -> None:
    copies = [
        i for seed in range(1, 30) for i in planned(POWER, seed) if i.problem is Problem.COPIED_DAY
    ]
    assert copies
    for injection in copies:
        start = injection.start.astimezone(BEIJING)
        assert (start.hour, start.minute) == (0, 0)
        assert hours(injection) in (24.0, 48.0, 72.0)


def test_process_incidents_happen_while_the_plant_runs() -> None:
    found = 0
    for seed in range(1, 12):
        model = SignalModel(SHIFT, seed)
        for injection in planned(SHIFT, seed):
            if injection.problem in WHILE_RUNNING:
                found += 1
                for minute in range(minute_of(injection.start), minute_of(injection.end), 10):
                    assert model.state(minute)[1] is Phase.RUN, injection
    assert found


def test_peak_marks_recur_at_their_hours_only() -> None:
    marks = [
        (seed, i)
        for seed in range(1, 40)
        for i in planned(POWER, seed)
        if i.problem is Problem.PEAK_MAINTENANCE and "hours" in i.parameters
    ]
    assert marks
    seed, injection = marks[0]
    series = FacilitySeries(SignalModel(POWER, seed), [injection])
    marked = {
        ((m + 480) % 1440) // 60
        for m in range(minute_of(injection.start), minute_of(injection.end))
        if series.reported(m).flags[injection.pollutant] == injection.parameters["flag"]
    }
    assert marked == set(injection.parameters["hours"])
