"""Normal data at the running level while the load is stopped (rule ``reported_while_stopped``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.stopped import reported_while_stopped
from tests.screening import assert_registered, at, hourly, valid

# A day-shift stack: 12 h running at load ~100, 12 h stopped at load ~2. The full load is the 90th
# percentile of the 24 loads: sorted, position 0.9 × 23 = 20.7, between the 21st and 22nd values,
# both 101 → 101, so stopped means load ≤ 0.2 × 101 = 20.2.
LOAD = [100.0, 98, 102, 99, 101, 100, 97, 103, 100, 99, 101, 100] + [2.0, 3, 2, 1, 2, 2] * 2
RUNNING = [40.0, 42, 38, 41, 39, 40, 44, 36, 40, 41, 39, 40]  # median 40


def test_it_reports_running_level_values_flagged_normal_through_a_stop() -> None:
    # The logger keeps sending ~40 with flag N for the first 5 stopped hours, then 0.6 (air).
    values = RUNNING + [39.0, 41, 40, 43, 38] + [0.6] * 7
    [e] = reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=LOAD)
    assert (e.start, e.end) == (at(12), at(16))
    assert e.evidence == {
        "n_values": 5,
        "n_stops": 1,
        "full_load": 101.0,
        "stop_share": 0.2,
        "max_load_seen": 3.0,
        "running_level": 40.0,  # median of RUNNING
        "running_share": 0.5,
        "median_value": 40.0,  # median of 39, 41, 40, 43, 38
        "share_of_running": 1.0,
    }
    assert e.score == 5.0
    assert_registered(e)


def test_a_real_stop_reads_near_zero_and_is_not_reported() -> None:
    values = RUNNING + [0.8, 0.5, 0.6, 0.4, 0.7, 0.6] * 2
    assert reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=LOAD) == []


def test_values_outside_half_to_twice_the_running_level_are_not_running_values() -> None:
    # 19.9 < 0.5 × 40 = 20: a stack still purging, not a running one.
    values = RUNNING + [19.9] * 12
    assert reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=LOAD) == []
    values = RUNNING + [20.0] * 12
    [e] = reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=LOAD)
    assert e.evidence["share_of_running"] == 0.5
    # An O2 analyser reading ambient air through the stop (20.9 > 8 / 0.5 = 16) is not running.
    o2 = [8.0] * 12 + [20.9] * 12
    assert reported_while_stopped(hourly(24), o2, valid(24), pollutant="o2", load=LOAD) == []
    o2 = [8.0] * 12 + [16.0] * 12
    assert len(reported_while_stopped(hourly(24), o2, valid(24), pollutant="o2", load=LOAD)) == 1


def test_a_stop_flagged_f_or_marked_is_not_reported() -> None:
    values = RUNNING + [40.0] * 12
    for flag in ("F", "M", "D"):
        flags = ["N"] * 12 + [flag] * 12
        assert reported_while_stopped(hourly(24), values, flags, pollutant="so2", load=LOAD) == []


def test_it_needs_min_count_stopped_values_in_a_row() -> None:
    # Two running-level hours, one near zero, two more: no run of three.
    values = RUNNING + [40.0, 40.0, 0.5, 40.0, 40.0] + [0.5] * 7
    assert reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=LOAD) == []
    found = reported_while_stopped(
        hourly(24), values, valid(24), pollutant="so2", load=LOAD, min_count=2
    )
    # two runs 2 h apart are one episode of 4 values
    [e] = found
    assert (e.start, e.end, e.evidence["n_values"], e.evidence["n_stops"]) == (at(12), at(16), 4, 2)
    found = reported_while_stopped(
        hourly(24), values, valid(24), pollutant="so2", load=LOAD, min_count=2,
        join_within=np.timedelta64(1, "h"),
    )  # fmt: skip
    assert [(e.start, e.end) for e in found] == [(at(12), at(13)), (at(15), at(16))]


def test_a_plant_that_never_stops_or_an_unknown_load_reports_nothing() -> None:
    values = RUNNING * 2
    assert (
        reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=[100.0] * 24)
        == []
    )
    unknown = [np.nan] * 24
    assert (
        reported_while_stopped(hourly(24), values, valid(24), pollutant="so2", load=unknown) == []
    )


def test_a_plant_stopped_most_of_the_day_is_judged_against_its_full_load() -> None:
    # Running 6 h of 24 (load 100), stopped 18 h (load 1): the median load is a stopped one (1),
    # the 90th percentile (position 20.7 of 23, all 100 there) is the full load.
    load = [100.0] * 6 + [1.0] * 18
    values = [40.0] * 6 + [41.0] * 18  # made up: the same level through the stop
    [e] = reported_while_stopped(hourly(24), values, valid(24), pollutant="nox", load=load)
    assert (e.start, e.end, e.evidence["full_load"]) == (at(6), at(23), 100.0)


def test_a_made_up_series_sent_every_night_is_one_episode() -> None:
    # Four days of a day-shift plant; the logger sends 40 through every night's stop. The nights
    # are 12 h apart (≤ 24 h): one episode from the first night's start to the last's end.
    load = LOAD * 4
    values = [40.0] * 96
    [e] = reported_while_stopped(hourly(96), values, valid(96), pollutant="so2", load=load)
    assert (e.start, e.end) == (at(12), at(95))
    assert (e.evidence["n_values"], e.evidence["n_stops"]) == (48, 4)
    # with a day's gap between two stops (36 h of running), two episodes
    load = LOAD[:12] + [2.0] * 12 + [100.0] * 36 + [2.0] * 12
    [first, second] = reported_while_stopped(
        hourly(72), [40.0] * 72, valid(72), pollutant="so2", load=load
    )
    assert (first.start, first.end, second.start, second.end) == (at(12), at(23), at(60), at(71))
