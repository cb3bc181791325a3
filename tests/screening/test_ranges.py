"""Out of range (rule ``out_of_range``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.ranges import out_of_range
from tests.screening import assert_registered, at, hourly, valid


def test_it_reports_values_above_range_and_below_the_physical_minimum() -> None:
    # 500 (= range, saturated) and a T-flagged 480 above range; −2 below 0.
    episodes = out_of_range(
        hourly(4), [10.0, 500.0, 480.0, -2.0], ["N", "N", "T", "N"], pollutant="so2", range_max=500
    )
    above, below = episodes
    assert (above.start, above.end) == (at(1), at(2))
    assert above.evidence == {
        "kind": "above_range",
        "bound": 500.0,
        "n_values": 2,
        "extreme_value": 500.0,
        "n_flagged_t": 1,
    }
    assert (below.start, below.end) == (at(3), at(3))
    assert below.evidence["kind"] == "below_minimum"
    assert below.evidence["extreme_value"] == -2.0
    assert_registered(above)


def test_a_t_flag_without_a_value_is_above_range() -> None:
    [e] = out_of_range(hourly(1), [np.nan], ["T"], pollutant="so2", range_max=500.0)
    assert e.evidence["extreme_value"] is None
    assert e.evidence["n_flagged_t"] == 1


def test_it_does_not_judge_values_under_a_declared_state() -> None:
    for flag in "FMCDSB":
        assert out_of_range(hourly(1), [900.0], [flag], pollutant="so2", range_max=500.0) == []


def test_min_count_and_physical_min_are_arguments() -> None:
    values = [600.0, 10.0, 600.0, 600.0]
    found = out_of_range(hourly(4), values, valid(4), pollutant="so2", range_max=500, min_count=2)
    assert [(e.start, e.end) for e in found] == [(at(2), at(3))]
    o2 = [2.0, 0.5]
    found = out_of_range(hourly(2), o2, valid(2), pollutant="o2", range_max=25, physical_min=1.0)
    assert [e.evidence["extreme_value"] for e in found] == [0.5]


def test_it_reports_nothing_for_empty_or_in_range_series() -> None:
    assert out_of_range(hourly(0), [], [], pollutant="so2", range_max=500.0) == []
    assert out_of_range(hourly(2), [0.0, 499.9], valid(2), pollutant="so2", range_max=500) == []
