"""Improbably low variance (rule ``low_variance``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.variance import low_variance
from tests.screening import assert_registered, at, hourly, valid

# Hours 06–11 alternate 11.00 / 11.01; the rest moves by several units.
VALUES = [10.0, 14, 8, 13, 9, 16, 11.0, 11.01, 11.0, 11.01, 11.0, 11.01, 7, 14, 9, 12]


def test_it_reports_a_stretch_far_smoother_than_the_reference() -> None:
    # Windows of 4 inside 06–11: mean 11.005, population s = 0.005, cv = 0.000454 < 0.25 · 0.2.
    [e] = low_variance(
        hourly(16), VALUES, valid(16), pollutant="so2", window=4, min_windows=2, reference_cv=0.2
    )
    assert (e.start, e.end) == (at(6), at(11))
    assert e.evidence["n_values"] == 6
    assert e.evidence["n_windows"] == 3
    assert e.evidence["cv_median"] == round(0.005 / 11.005, 6)
    assert e.evidence["reference"] == "given"
    assert e.score == pytest.approx(0.2 / (0.005 / 11.005))
    assert_registered(e)


def test_by_default_the_reference_is_the_series_own_median() -> None:
    [e] = low_variance(hourly(16), VALUES, valid(16), pollutant="so2", window=4, min_windows=2)
    assert e.evidence["reference"] == "own history"
    assert e.evidence["reference_cv"] > 0.1


def test_a_load_just_as_steady_explains_the_smoothness() -> None:
    load = [50.0, 80, 40, 75, 45, 85, 60.0, 60.01, 60.0, 60.01, 60.0, 60.01, 40, 80, 45, 70]
    assert (
        low_variance(
            hourly(16), VALUES, valid(16), pollutant="so2", window=4, min_windows=2, load=load
        )
        == []
    )


def test_exactly_flat_windows_are_left_to_constant_run() -> None:
    values = [10.0, 14, 8, 13, 9, 16, 11, 11, 11, 11, 11, 11, 7, 14, 9, 12]
    assert (
        low_variance(hourly(16), values, valid(16), pollutant="so2", window=4, min_windows=2) == []
    )


def test_a_stretch_shorter_than_min_windows_is_ignored() -> None:
    assert (
        low_variance(hourly(16), VALUES, valid(16), pollutant="so2", window=4, min_windows=4) == []
    )


def test_noise_is_not_too_smooth() -> None:
    rng = np.random.default_rng(11)
    values = 30 + rng.normal(0, 3, 2000)
    assert low_variance(hourly(2000), values, valid(2000), pollutant="so2") == []


def test_it_reports_nothing_for_empty_flat_or_missing_series() -> None:
    assert low_variance(hourly(0), [], [], pollutant="so2") == []
    assert low_variance(hourly(3), [1.0, 2.0, 3.0], valid(3), pollutant="so2") == []
    assert low_variance(hourly(50), [np.nan] * 50, valid(50), pollutant="so2") == []
