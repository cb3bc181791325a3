"""Missing and late data (rules ``missing_data`` and ``late_data``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.gaps import late_data, missing_data
from tests.screening import HOUR, T0, assert_registered, at, hourly


def test_it_reports_a_gap_of_three_missing_hours() -> None:
    # Present 00:00, 01:00, 05:00: 02:00, 03:00 and 04:00 are missing.
    times = np.array([at(0), at(1), at(5)])
    [e] = missing_data(times, [1.0, 2.0, 3.0], pollutant="so2", interval=HOUR)
    assert (e.start, e.end) == (at(2), at(4))
    assert e.evidence == {
        "n_missing": 3,
        "interval_s": 3600,
        "last_before": "2026-01-05T01:00:00Z",
        "first_after": "2026-01-05T05:00:00Z",
    }
    assert e.score == 3.0
    assert_registered(e)


def test_it_ignores_gaps_shorter_than_min_missing() -> None:
    times = np.array([at(0), at(3)])  # two missing
    assert missing_data(times, [1.0, 2.0], pollutant="so2", interval=HOUR) == []
    assert len(missing_data(times, [1.0, 2.0], pollutant="so2", interval=HOUR, min_missing=2)) == 1


def test_a_received_time_without_a_value_counts_as_missing() -> None:
    values = [1.0, np.nan, np.nan, np.nan, 5.0]
    [e] = missing_data(hourly(5), values, pollutant="so2", interval=HOUR)
    assert e.evidence["n_missing"] == 3


def test_it_sees_gaps_at_the_edges_of_the_period_given_start_and_end() -> None:
    # Period 00:00–08:00, values at 03:00–05:00 only: 00–02 and 06–08 are missing.
    times = np.array([at(3), at(4), at(5)])
    found = missing_data(
        times, [1.0, 2.0, 3.0], pollutant="so2", interval=HOUR, start=at(0), end=at(8)
    )
    assert [(e.start, e.end, e.evidence["n_missing"]) for e in found] == [
        (at(0), at(2), 3),
        (at(6), at(8), 3),
    ]
    assert found[0].evidence["last_before"] is None
    assert found[1].evidence["first_after"] is None


def test_an_empty_period_is_one_gap() -> None:
    [e] = missing_data(hourly(0), [], pollutant="so2", interval=HOUR, start=at(0), end=at(5))
    assert (e.start, e.end, e.evidence["n_missing"]) == (at(0), at(5), 6)


def test_jitter_in_data_times_is_not_a_gap() -> None:
    times = T0 + np.array([0, 3605, 7190, 10_810], dtype="timedelta64[s]")
    assert missing_data(times, [1.0] * 4, pollutant="so2", interval=HOUR, min_missing=1) == []


def test_it_reports_nothing_for_one_value_without_a_period() -> None:
    assert missing_data(hourly(1), [1.0], pollutant="so2", interval=HOUR) == []


def test_it_reports_values_received_late() -> None:
    # 00:00 arrives at 01:01 (1.02 h, on time); 01:00 and 02:00 arrive at 09:00 (8 h and 7 h late).
    received = np.array(["2026-01-05T01:01", "2026-01-05T09:00", "2026-01-05T09:00"], "M8[s]")
    [e] = late_data(hourly(3), received, pollutant="so2")
    assert (e.start, e.end) == (at(1), at(2))
    assert e.evidence == {
        "n_values": 2,
        "max_delay_h": 8.0,
        "median_delay_h": 7.5,
        "tolerance_h": 2.0,
        "n_receipts": 1,  # one batch, as a re-send after an outage
        "first_received": "2026-01-05T09:00:00Z",
        "last_received": "2026-01-05T09:00:00Z",
        "n_on_time_between": 0,
    }
    assert e.score == 8.0
    assert_registered(e)


def test_it_ignores_unknown_receive_times() -> None:
    received = np.array(["NaT", "NaT"], dtype="datetime64[s]")
    assert late_data(hourly(2), received, pollutant="so2") == []


def test_the_tolerance_is_an_argument() -> None:
    received = hourly(2) + np.timedelta64(90, "m")
    assert late_data(hourly(2), received, pollutant="so2") == []
    assert len(late_data(hourly(2), received, pollutant="so2", tolerance=HOUR)) == 1


def test_it_reports_nothing_for_an_empty_series() -> None:
    assert late_data(hourly(0), hourly(0), pollutant="so2") == []


def test_a_recall_filling_scattered_gaps_is_one_backlog_not_one_alarm_per_value() -> None:
    # 12 hours; hours 1, 4, 7 and 10 were missing and arrive re-sent 09:00:00–09:00:30 on
    # day 2 (one batch, 10 s apart); the others arrive on time. Before: four runs, four episodes.
    times = hourly(12)
    received = times + np.timedelta64(65, "m")
    late = [1, 4, 7, 10]
    received[late] = np.datetime64("2026-01-06T09:00:00") + np.arange(4) * np.timedelta64(10, "s")
    [e] = late_data(times, received, pollutant="so2")
    assert (e.start, e.end) == (at(1), at(10))
    assert e.evidence["n_values"] == 4 and e.evidence["n_receipts"] == 4
    assert e.evidence["n_on_time_between"] == 6  # hours 2, 3, 5, 6, 8, 9
    assert e.score == 32.0  # 01:00 on day 1 received at 09:00 on day 2: 32 h late
    assert e.evidence["first_received"] == "2026-01-06T09:00:00Z"
    assert e.evidence["last_received"] == "2026-01-06T09:00:30Z"


def test_separate_backlogs_stay_separate() -> None:
    # hours 1 and 7 re-sent at 20:00 and at 23:00 (3 h apart, not adjacent): two backlogs
    times = hourly(12)
    received = times + np.timedelta64(65, "m")
    received[1] = np.datetime64("2026-01-05T20:00")
    received[7] = np.datetime64("2026-01-05T23:00")
    found = late_data(times, received, pollutant="so2")
    assert [(e.start, e.end) for e in found] == [(at(1), at(1)), (at(7), at(7))]


def test_a_steadily_late_device_is_one_run() -> None:
    # every hour 3 h late, receipts an hour apart: adjacent in the series, one episode
    times = hourly(6)
    [e] = late_data(times, times + np.timedelta64(3, "h"), pollutant="so2")
    assert e.evidence["n_values"] == 6 and e.evidence["n_receipts"] == 6


def test_explained_lateness_is_not_judged() -> None:
    times = hourly(4)
    received = np.full(4, np.datetime64("2026-01-05T12:00", "s"))
    explained = np.array([True, True, False, True])
    [e] = late_data(times, received, pollutant="so2", explained=explained)
    assert (e.start, e.end, e.evidence["n_values"]) == (at(2), at(2), 1)
    assert late_data(times, received, pollutant="so2", explained=np.ones(4, bool)) == []
    with pytest.raises(ValueError, match="explained"):
        late_data(times, received, pollutant="so2", explained=np.ones(3, bool))
