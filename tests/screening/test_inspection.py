"""Level shifts around an inspection (rule ``step_at_inspection``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.inspection import step_at_inspection
from tests.screening import assert_registered, at, hourly, valid

STEP = [20.0, 21, 19, 20, 21, 20, 8, 9, 8, 7, 8, 9]  # drop at 06:00


def test_it_reports_a_drop_one_hour_before_the_inspectors_arrive() -> None:
    [e] = step_at_inspection(
        hourly(12), STEP, valid(12), pollutant="so2", inspections=np.array([at(7)]), window=4
    )
    assert e.evidence["change_time"] == "2026-01-05T06:00:00Z"
    assert e.evidence["inspection_time"] == "2026-01-05T07:00:00Z"
    assert e.evidence["hours_from_inspection"] == -1.0  # 06:00 − 07:00
    assert e.evidence["level_before"] == 20.0
    assert e.evidence["level_after"] == 8.0
    assert_registered(e)


def test_it_ignores_a_step_far_from_any_inspection() -> None:
    visits = np.array([at(6 + 72)])  # three days later
    assert (
        step_at_inspection(
            hourly(12), STEP, valid(12), pollutant="so2", inspections=visits, window=4
        )
        == []
    )


def test_it_picks_the_nearest_of_several_inspections() -> None:
    visits = np.array([at(-100), at(10), at(300)])
    [e] = step_at_inspection(
        hourly(12), STEP, valid(12), pollutant="so2", inspections=visits, window=4
    )
    assert e.evidence["hours_from_inspection"] == -4.0


def test_it_reports_the_drop_on_arrival_and_the_rise_after_departure() -> None:
    # 20 for 12 h, 8 during the 12-h visit from 12:00, 20 again after.
    values = np.r_[np.full(12, 20.0), np.full(12, 8.0), np.full(12, 20.0)]
    values += np.tile([0.5, -0.5, 0.0], 12)
    found = step_at_inspection(
        hourly(36), values, valid(36), pollutant="so2", inspections=np.array([at(12)])
    )
    assert [(e.evidence["change_time"], e.evidence["hours_from_inspection"]) for e in found] == [
        ("2026-01-05T12:00:00Z", 0.0),
        ("2026-01-06T00:00:00Z", 12.0),
    ]


def test_it_reports_nothing_without_inspections_or_data() -> None:
    none = np.array([], dtype="datetime64[s]")
    assert step_at_inspection(hourly(12), STEP, valid(12), pollutant="so2", inspections=none) == []
    assert step_at_inspection(hourly(0), [], [], pollutant="so2", inspections=[at(0)]) == []
