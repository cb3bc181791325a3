"""Exceedance of valid averages (rule ``exceedance``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceguan.screening import Severity
from ceguan.screening.detectors.exceedance import exceedance
from tests.screening import assert_registered, at, hourly, valid


def test_it_reports_a_run_of_valid_averages_over_the_limit() -> None:
    # 40 and 50 exceed 35: one episode 01:00–02:00, max 50, mean (40 + 50) / 2 = 45.
    [e] = exceedance(hourly(4), [30.0, 40.0, 50.0, 20.0], valid(4), pollutant="so2", limit=35.0)
    assert (e.start, e.end) == (at(1), at(2))
    assert e.evidence == {
        "limit": 35.0,
        "n_values": 2,
        "max_value": 50.0,
        "mean_value": 45.0,
        "max_ratio": 1.4286,  # 50 / 35
        "time_of_max": "2026-01-05T02:00:00Z",
    }
    assert e.score == pytest.approx(50 / 35)
    assert e.severity is Severity.ALARM
    assert e.pollutant == "so2"
    assert_registered(e)


@pytest.mark.parametrize("flag", ["M", "C", "F", "D", "S", "T", "B"])
def test_it_does_not_judge_a_marked_hour(flag: str) -> None:
    assert exceedance(hourly(1), [100.0], [flag], pollutant="so2", limit=35.0) == []


def test_an_empty_flag_counts_as_valid() -> None:
    # HJ/T 212-2005 devices often send no flag.
    assert len(exceedance(hourly(1), [100.0], [""], pollutant="so2", limit=35.0)) == 1


def test_a_value_equal_to_the_limit_is_not_an_exceedance() -> None:
    assert exceedance(hourly(2), [35.0, 35.0], valid(2), pollutant="so2", limit=35.0) == []


def test_a_marked_hour_splits_an_episode() -> None:
    episodes = exceedance(hourly(3), [40.0] * 3, ["N", "M", "N"], pollutant="so2", limit=35.0)
    assert [(e.start, e.end) for e in episodes] == [(at(0), at(0)), (at(2), at(2))]


def test_it_takes_one_limit_per_value() -> None:
    # The limit changes from 35 to 50 at 02:00: 45 exceeds the old limit only.
    episodes = exceedance(
        hourly(4), [40.0, 40.0, 45.0, 45.0], valid(4), pollutant="so2", limit=[35, 35, 50, 50]
    )
    assert [(e.start, e.end) for e in episodes] == [(at(0), at(1))]


def test_it_reports_nothing_for_empty_all_missing_or_single_valid_series() -> None:
    assert exceedance(hourly(0), [], [], pollutant="so2", limit=35.0) == []
    assert exceedance(hourly(3), [np.nan] * 3, valid(3), pollutant="so2", limit=35.0) == []
    assert exceedance(hourly(1), [10.0], valid(1), pollutant="so2", limit=35.0) == []


def test_it_rejects_a_limit_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        exceedance(hourly(1), [10.0], valid(1), pollutant="so2", limit=0.0)


def test_it_rejects_unsorted_times_and_misaligned_arrays() -> None:
    with pytest.raises(ValueError, match="sorted"):
        exceedance(hourly(2)[::-1], [1.0, 2.0], valid(2), pollutant="so2", limit=35.0)
    with pytest.raises(ValueError, match="values"):
        exceedance(hourly(2), [1.0], valid(2), pollutant="so2", limit=35.0)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(0, 100), st.just(float("nan"))),
            st.sampled_from(["N", "", "M", "C", "D", "F"]),
        ),
        max_size=60,
    )
)
def test_episodes_cover_exactly_the_valid_values_over_the_limit(
    rows: list[tuple[float, str]],
) -> None:
    values = np.array([v for v, _ in rows], dtype=float)
    flags = np.array([f for _, f in rows], dtype="<U1")
    times = hourly(len(rows))
    episodes = exceedance(times, values, flags, pollutant="so2", limit=35.0)
    expected = np.isin(flags, ["N", ""]) & (values > 35.0)
    covered = np.zeros(len(rows), dtype=bool)
    for e in episodes:
        covered |= (times >= e.start) & (times <= e.end)
    assert (covered == expected).all()
    assert sum(e.evidence["n_values"] for e in episodes) == int(expected.sum())
