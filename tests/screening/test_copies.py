"""Copied segments (rule ``copied_segment``)."""

from __future__ import annotations

import numpy as np
import pytest

from ceguan.screening.detectors.copies import copied_segment
from tests.screening import assert_registered, at, hourly, valid

DAY = [3.0, 5.1, 4.2, 6.3, 2.9, 7.7]
OTHER = [4.4, 3.3, 6.1, 5.5, 2.2, 8.8]


def test_it_finds_a_block_copied_exactly() -> None:
    # 00–05 DAY, 06–11 OTHER, 12–17 DAY again: the copy starts at 12:00, lag 12 h.
    values = DAY + OTHER + DAY
    [e] = copied_segment(hourly(18), values, valid(18), pollutant="so2", block=6, min_distinct=4)
    assert (e.start, e.end) == (at(12), at(17))
    assert e.evidence == {
        "n_values": 6,
        "source_start": "2026-01-05T00:00:00Z",
        "source_end": "2026-01-05T05:00:00Z",
        "lag_h": 12.0,
        "offset": 0.0,
        "decimals": 2,
    }
    assert e.score == 6.0
    assert_registered(e)


def test_it_finds_a_block_copied_with_a_constant_offset() -> None:
    values = DAY + [x + 10.0 for x in DAY]
    [e] = copied_segment(hourly(12), values, valid(12), pollutant="so2", block=6, min_distinct=4)
    assert (e.start, e.evidence["offset"]) == (at(6), 10.0)


def test_without_allow_offset_only_exact_copies_count() -> None:
    shifted = DAY + [x + 10.0 for x in DAY]
    kwargs = {"pollutant": "so2", "block": 6, "min_distinct": 4, "allow_offset": False}
    assert copied_segment(hourly(12), shifted, valid(12), **kwargs) == []
    assert len(copied_segment(hourly(12), DAY + DAY, valid(12), **kwargs)) == 1


def test_values_equal_after_rounding_count_as_copied() -> None:
    # 3.001 and 3.004 both round to 3.00 at two decimals.
    blurred = [x + 0.004 for x in DAY]
    found = copied_segment(
        hourly(12),
        [x + 0.001 for x in DAY] + blurred,
        valid(12),
        pollutant="so2",
        block=6,
        min_distinct=4,
        allow_offset=False,
    )
    assert len(found) == 1
    assert found[0].evidence["offset"] == pytest.approx(0.003)


def test_a_longer_copy_is_one_episode() -> None:
    rng = np.random.default_rng(1)
    source = list(np.round(rng.uniform(10, 30, 10), 2))
    values = source + list(np.round(rng.uniform(10, 30, 5), 2)) + source
    [e] = copied_segment(hourly(25), values, valid(25), pollutant="so2", block=6, min_distinct=4)
    assert (e.start, e.end, e.evidence["n_values"]) == (at(15), at(24), 10)


def test_flat_and_ramp_blocks_are_not_copies() -> None:
    flat = [5.0] * 24
    ramp = list(np.arange(24.0))
    assert copied_segment(hourly(24), flat, valid(24), pollutant="so2", block=6) == []
    assert copied_segment(hourly(24), ramp, valid(24), pollutant="so2", block=6) == []


def test_a_flagged_value_breaks_the_copy() -> None:
    flags = valid(12)
    flags[8] = "M"
    assert (
        copied_segment(hourly(12), DAY + DAY, flags, pollutant="so2", block=6, min_distinct=4) == []
    )


def test_a_day_repeated_twice_is_one_episode_lagged_by_one_day() -> None:
    # Three identical blocks: values 06–17 repeat values 00–11, six hours later.
    values = DAY + DAY + DAY
    [e] = copied_segment(hourly(18), values, valid(18), pollutant="so2", block=6, min_distinct=4)
    assert (e.start, e.end, e.evidence["n_values"], e.evidence["lag_h"]) == (at(6), at(17), 12, 6)


def test_noise_has_no_copies() -> None:
    rng = np.random.default_rng(3)
    values = np.round(30 + rng.normal(0, 5, 2000), 2)
    assert copied_segment(hourly(2000), values, valid(2000), pollutant="so2") == []


def test_it_reports_nothing_for_short_or_empty_series() -> None:
    assert copied_segment(hourly(0), [], [], pollutant="so2") == []
    assert copied_segment(hourly(1), [1.0], valid(1), pollutant="so2") == []
    assert copied_segment(hourly(30), [np.nan] * 30, valid(30), pollutant="so2") == []
