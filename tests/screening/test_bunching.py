"""Values bunched under the limit (rule ``bunching_under_limit``)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceguan.screening.detectors.bunching import bunching_under_limit
from tests.screening import assert_registered, hourly, valid


def binomial_tail(k: int, n: int) -> float:
    """P[X ≥ k] for X ~ Binomial(n, 1/3), exactly, with Python integers."""
    return sum(comb(n, i) * 2 ** (n - i) for i in range(k, n + 1)) / 3**n


def series(below: int, under: int, above: int, limit: float = 35.0) -> np.ndarray:
    """Values in the bands [0.8, 0.9), [0.9, 1.0) and [1.0, 1.1) of the limit."""
    return np.r_[
        np.full(below, 0.85 * limit), np.full(under, 0.95 * limit), np.full(above, 1.05 * limit)
    ]


def test_it_reports_a_pile_of_values_just_under_the_limit() -> None:
    # 10 below, 45 under, 5 above: T = 60, expected under = 60 / 3 = 20.
    values = series(10, 45, 5)
    [e] = bunching_under_limit(hourly(60), values, valid(60), pollutant="so2", limit=35.0)
    p = binomial_tail(45, 60)
    assert e.evidence["n_below"] == 10
    assert e.evidence["n_under"] == 45
    assert e.evidence["n_above"] == 5
    assert e.evidence["expected_under"] == 20.0
    assert e.evidence["excess_ratio"] == 2.25  # 45 / 20
    assert e.evidence["p_value"] == pytest.approx(p, rel=1e-2)
    assert e.evidence["share_over_limit"] == round(5 / 60, 4)
    assert e.score == pytest.approx(-np.log10(p))
    assert_registered(e)


def test_a_smooth_density_through_the_limit_is_not_bunching() -> None:
    assert (
        bunching_under_limit(hourly(60), series(20, 20, 20), valid(60), pollutant="so2", limit=35.0)
        == []
    )


def test_a_falling_tail_is_not_bunching() -> None:
    # Linear fall 30 → 20 → 10: the under band holds exactly the mean of its neighbours.
    assert (
        bunching_under_limit(hourly(60), series(30, 20, 10), valid(60), pollutant="so2", limit=35.0)
        == []
    )


def test_it_needs_min_count_values_in_the_bands() -> None:
    values = series(1, 20, 0)
    assert bunching_under_limit(hourly(21), values, valid(21), pollutant="so2", limit=35.0) == []


def test_it_judges_each_value_against_its_own_limit() -> None:
    # The same pile, half of it under a limit of 50 instead of 35.
    values = np.r_[series(5, 22, 3, 35.0), series(5, 23, 2, 50.0)]
    limit = np.r_[np.full(30, 35.0), np.full(30, 50.0)]
    [e] = bunching_under_limit(hourly(60), values, valid(60), pollutant="so2", limit=limit)
    assert (e.evidence["n_under"], e.evidence["limit_min"], e.evidence["limit_max"]) == (45, 35, 50)


def test_flagged_values_are_not_counted() -> None:
    flags = np.r_[valid(15), np.full(45, "M")]
    assert (
        bunching_under_limit(hourly(60), series(10, 45, 5), flags, pollutant="so2", limit=35.0)
        == []
    )


def test_it_reports_nothing_for_empty_or_missing_series() -> None:
    assert bunching_under_limit(hourly(0), [], [], pollutant="so2", limit=35.0) == []
    assert bunching_under_limit(hourly(5), [np.nan] * 5, valid(5), pollutant="so2", limit=35) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 80), st.integers(0, 40))
def test_the_p_value_is_the_exact_binomial_tail(below: int, under: int, above: int) -> None:
    n = below + under + above
    found = bunching_under_limit(
        hourly(n),
        series(below, under, above),
        valid(n),
        pollutant="so2",
        limit=35.0,
        alpha=1.0,
        min_count=1,
    )
    if n == 0 or under <= n / 3:
        assert found == []
    else:
        assert found[0].evidence["p_value"] == pytest.approx(binomial_tail(under, n), rel=1e-2)
