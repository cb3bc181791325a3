"""Marking that hides an exceedance (rule ``marking_hides_exceedance``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.hidden import marking_hides_exceedance
from tests.screening import assert_registered, at, hourly, valid


def test_it_reports_maintenance_marks_over_values_above_the_limit() -> None:
    # 01–03 marked M with 48, 52, 50 > 35; valid neighbours 30 before and 33 after.
    [e] = marking_hides_exceedance(
        hourly(6),
        [30.0, 48, 52, 50, 33, 31],
        ["N", "M", "M", "M", "N", "N"],
        pollutant="so2",
        limit=35.0,
    )
    assert (e.start, e.end) == (at(1), at(3))
    assert e.evidence == {
        "n_values": 3,
        "flags": "M",
        "limit": 35.0,
        "max_value": 52.0,
        "max_ratio": 1.4857,  # 52 / 35
        "value_before": 30.0,
        "time_before": "2026-01-05T00:00:00Z",
        "value_after": 33.0,
        "time_after": "2026-01-05T04:00:00Z",
    }
    assert_registered(e)


def test_a_single_calibration_hour_is_routine() -> None:
    # A daily span check reads span gas: one high C hour is not reported by default.
    values, flags = [20.0, 80.0, 21.0], ["N", "C", "N"]
    assert marking_hides_exceedance(hourly(3), values, flags, pollutant="so2", limit=35.0) == []
    found = marking_hides_exceedance(
        hourly(3), values, flags, pollutant="so2", limit=35.0, min_count=1
    )
    assert len(found) == 1


def test_mixed_marks_form_one_run_and_the_edges_have_no_neighbours() -> None:
    [e] = marking_hides_exceedance(hourly(2), [60.0, 70.0], ["D", "M"], pollutant="so2", limit=35)
    assert e.evidence["flags"] == "DM"
    assert e.evidence["value_before"] is None
    assert e.evidence["value_after"] is None


def test_valid_exceedances_and_stops_are_not_this_rule() -> None:
    assert (
        marking_hides_exceedance(hourly(3), [60.0] * 3, valid(3), pollutant="so2", limit=35) == []
    )
    assert (
        marking_hides_exceedance(hourly(3), [60.0] * 3, ["F"] * 3, pollutant="so2", limit=35) == []
    )


def test_marked_values_under_the_limit_are_fine() -> None:
    assert (
        marking_hides_exceedance(hourly(3), [20.0] * 3, ["M"] * 3, pollutant="so2", limit=35) == []
    )


def test_it_reports_nothing_for_empty_or_missing_series() -> None:
    assert marking_hides_exceedance(hourly(0), [], [], pollutant="so2", limit=35.0) == []
    nan = [np.nan] * 3
    assert marking_hides_exceedance(hourly(3), nan, ["M"] * 3, pollutant="so2", limit=35.0) == []
