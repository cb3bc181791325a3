"""Missing and late data (rules ``missing_data`` and ``late_data``)."""

from __future__ import annotations

import numpy as np

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
