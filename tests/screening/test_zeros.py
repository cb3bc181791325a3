"""Zero and negative values while running (rule ``zero_or_negative``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.zeros import zero_or_negative
from tests.screening import assert_registered, at, hourly, valid


def test_it_reports_zeros_and_negatives_while_the_load_is_positive() -> None:
    # 01:00–03:00 are ≤ 0 with the plant running; 04:00 is zero too but the load is 0 (stopped).
    values = [12.0, 0.0, 0.0, -0.4, 0.0, 9.0]
    load = [80.0, 80.0, 81.0, 79.0, 0.0, 80.0]
    [e] = zero_or_negative(hourly(6), values, valid(6), pollutant="nox", load=load)
    assert (e.start, e.end) == (at(1), at(3))
    assert e.evidence == {
        "n_values": 3,
        "n_negative": 1,
        "min_value": -0.4,
        "mean_load": 80.0,  # (80 + 81 + 79) / 3
        "min_load_seen": 79.0,
    }
    assert e.score == 3.0
    assert_registered(e)


def test_it_ignores_zeros_while_the_plant_is_stopped_or_the_load_unknown() -> None:
    assert zero_or_negative(hourly(4), [0.0] * 4, valid(4), pollutant="nox", load=[0.0] * 4) == []
    load = [np.nan] * 4
    assert zero_or_negative(hourly(4), [0.0] * 4, valid(4), pollutant="nox", load=load) == []


def test_it_ignores_zeros_flagged_as_stopped() -> None:
    assert zero_or_negative(hourly(4), [0.0] * 4, ["F"] * 4, pollutant="nox", load=[50.0] * 4) == []


def test_it_needs_min_count_values_in_a_row() -> None:
    load = [50.0] * 4
    assert (
        zero_or_negative(hourly(4), [0.0, 0.0, 3.0, 0.0], valid(4), pollutant="nox", load=load)
        == []
    )


def test_a_zero_tolerance_counts_near_zero_values_and_min_load_sets_running() -> None:
    values = [0.3, 0.2, 0.4]
    load = [5.0, 5.0, 5.0]
    assert zero_or_negative(hourly(3), values, valid(3), pollutant="pm", load=load) == []
    found = zero_or_negative(
        hourly(3), values, valid(3), pollutant="pm", load=load, zero_tolerance=0.5
    )
    assert len(found) == 1
    assert (
        zero_or_negative(
            hourly(3), values, valid(3), pollutant="pm", load=load, zero_tolerance=0.5, min_load=10
        )
        == []
    )


def test_it_reports_nothing_for_empty_or_single_value_series() -> None:
    assert zero_or_negative(hourly(0), [], [], pollutant="nox", load=[]) == []
    assert zero_or_negative(hourly(1), [0.0], valid(1), pollutant="nox", load=[9.0]) == []
