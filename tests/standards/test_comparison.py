"""Comparison criteria at the edges of their bands.

HJ 75-2017 rows are [S]/[R] (shared/design/rules.md §1.1) and HJ 355-2019 表1 rows are [R]
(§1.2): both stay unverified. Edge choices follow the wording recalled for the standards and
are documented in each file: particulate, O2, velocity and humidity bands end "≤ upper"; the SO2,
NOx and water bands end "< upper" (the next band starts "≥"). A test passes at |value| = limit.
"""

from __future__ import annotations

from datetime import date

import pytest

from ceguan.standards import NotInForce, load_rulebook
from ceguan.standards.comparison import comparison_criterion
from ceguan.standards.limits import UnknownLimit

ON = date(2021, 6, 1)


def criterion(method: str, parameter: str, mean: float, on: date = ON):
    return comparison_criterion(load_rulebook(), method, parameter, mean, on=on)


@pytest.mark.parametrize(
    ("mean", "test", "limit"),
    [
        (0.0, "absolute_error", 5),
        (10.0, "absolute_error", 5),  # "≤ 10 mg/m3": the edge stays in the first band
        (10.01, "absolute_error", 6),
        (20.0, "absolute_error", 6),
        (20.5, "relative_error", 30),
        (50.0, "relative_error", 30),
        (100.0, "relative_error", 25),
        (200.0, "relative_error", 20),
        (200.1, "relative_error", 15),
    ],
)
def test_hj75_particulate_bands(mean: float, test: str, limit: float) -> None:
    found = criterion("hj75", "particulate", mean)
    assert (found.test, found.limit, found.measure_unit) == (test, limit, "mg/m3")
    assert not found.verified


@pytest.mark.parametrize(
    ("parameter", "mean", "test", "limit"),
    [
        ("so2", 56.9, "absolute_error", 17),  # < 20 µmol/mol (57 mg/m3): ±6 µmol/mol (17 mg/m3)
        ("so2", 57.0, "relative_error", 30),  # 20 ≤ x < 50 µmol/mol starts at the edge
        ("so2", 143.0, "absolute_error", 57),
        ("so2", 714.9, "absolute_error", 57),
        ("so2", 715.0, "relative_accuracy", 15),  # ≥ 250 µmol/mol (715 mg/m3)
        ("nox", 40.9, "absolute_error", 12),
        ("nox", 41.0, "relative_error", 30),
        ("nox", 103.0, "absolute_error", 41),
        ("nox", 513.0, "relative_accuracy", 15),
        ("o2", 5.0, "absolute_error", 1.0),  # "≤ 5.0 %"
        ("o2", 5.1, "relative_accuracy", 15),
        ("velocity", 10.0, "relative_error", 12),  # "≤ 10 m/s"
        ("velocity", 10.1, "relative_error", 10),
        ("humidity", 5.0, "absolute_error", 1.5),
        ("humidity", 5.01, "relative_error", 25),
        ("temperature", 150.0, "absolute_error", 3),
        ("other_gas", 1.0, "relative_accuracy", 15),
    ],
)
def test_hj75_gas_and_flue_parameters(parameter: str, mean: float, test: str, limit: float) -> None:
    found = criterion("hj75", parameter, mean)
    assert (found.test, found.limit) == (test, limit)


@pytest.mark.parametrize(
    ("parameter", "mean", "test", "limit"),
    [
        ("cod", 29.9, "absolute_error", 5),
        ("cod", 30.0, "relative_error", 30),
        ("cod", 59.9, "relative_error", 30),
        ("cod", 60.0, "relative_error", 20),
        ("cod", 100.0, "relative_error", 15),
        ("nh3n", 1.99, "absolute_error", 0.3),
        ("nh3n", 2.0, "relative_error", 15),
        ("tp", 0.39, "absolute_error", 0.06),
        ("tp", 0.4, "relative_error", 15),
        ("tn", 2.0, "relative_error", 15),
        ("ph", 7.2, "absolute_error", 0.5),
        ("water_temperature", 18.0, "absolute_error", 0.5),
        ("water_flow", 12.0, "relative_error", 10),
    ],
)
def test_hj355_table_1(parameter: str, mean: float, test: str, limit: float) -> None:
    found = criterion("hj355", parameter, mean)
    assert (found.test, found.limit) == (test, limit)
    assert found.reference.title == "HJ 355-2019 表1"


def test_the_band_edges_are_reported() -> None:
    found = criterion("hj75", "so2", 100.0)
    assert (found.lower, found.lower_inclusive) == (57.0, True)
    assert (found.upper, found.upper_inclusive) == (143.0, False)
    first = criterion("hj75", "particulate", 3.0)
    assert (first.lower, first.upper, first.upper_inclusive) == (None, 10.0, True)
    assert criterion("hj355", "cod", 10.0).note  # a standard sample replaces the real sample


def test_accepts_is_inclusive_at_the_limit() -> None:
    """'不超过 ±30 %' and 'RA ≤ 15 %': the limit itself passes."""
    relative = criterion("hj75", "so2", 100.0)
    assert relative.accepts(30.0) and relative.accepts(-30.0)
    assert not relative.accepts(30.01)
    accuracy = criterion("hj75", "so2", 800.0)
    assert accuracy.accepts(15.0) and not accuracy.accepts(15.1)


def test_dates_and_unknown_parameters() -> None:
    with pytest.raises(NotInForce):
        criterion("hj355", "cod", 50.0, on=date(2020, 3, 23))
    assert criterion("hj355", "cod", 50.0, on=date(2020, 3, 24)).limit == 30
    with pytest.raises(NotInForce):
        criterion("hj75", "so2", 50.0, on=date(2018, 2, 28))
    with pytest.raises(UnknownLimit, match="hj75"):
        criterion("hj76", "so2", 50.0)
    with pytest.raises(UnknownLimit, match="particulate"):
        criterion("hj75", "pm", 50.0)
