"""Back-dated rewrites (rule ``backdated_rewrite``)."""

from __future__ import annotations

import numpy as np

from ceguan.screening import Severity
from ceguan.screening.detectors.rewrites import backdated_rewrite
from tests.screening import assert_registered, at


def receipts(*hours: float) -> np.ndarray:
    return np.array([at(h) for h in hours])


def test_a_rewrite_that_lowers_a_value_below_the_limit_is_an_alarm() -> None:
    # 08:00 rewritten 48 → 33 (across the limit of 35) and 09:00 30 → 26, both 42 h later;
    # 10:00 re-sent unchanged (30 → 30) is no rewrite.
    [e] = backdated_rewrite(
        receipts(8, 9, 10),
        [48.0, 30.0, 30.0],
        [33.0, 26.0, 30.0],
        receipts(50, 50, 50),
        pollutant="so2",
        limit=35.0,
    )
    assert (e.start, e.end) == (at(8), at(9))
    assert e.evidence == {
        "n_values": 2,
        "n_lowered": 2,
        "n_raised": 0,
        "mean_change": -9.5,  # ((33 − 48) + (26 − 30)) / 2
        "max_age_h": 42.0,  # 50 − 8
        "revised_from": "2026-01-07T02:00:00Z",
        "revised_to": "2026-01-07T02:00:00Z",
        "n_lowered_across_limit": 1,
        "n_raised_across_limit": 0,
    }
    assert e.severity is Severity.ALARM
    assert e.score == 2.0
    assert_registered(e)


def test_a_rewrite_that_stays_under_the_limit_is_a_warning() -> None:
    [e] = backdated_rewrite(receipts(8), [30.0], [20.0], receipts(30), pollutant="so2", limit=35)
    assert e.severity is Severity.WARNING


def test_a_quick_correction_is_not_a_back_dated_rewrite() -> None:
    # Revised 30 minutes after the data time (min_age 2 h).
    assert backdated_rewrite(receipts(8), [30.0], [29.0], receipts(8.5), pollutant="so2") == []


def test_revisions_far_apart_in_receive_time_are_separate_batches() -> None:
    found = backdated_rewrite(
        receipts(1, 2, 3),
        [10.0, 10.0, 10.0],
        [9.0, 9.0, 9.0],
        receipts(30, 30.5, 60),
        pollutant="so2",
    )
    assert [e.evidence["n_values"] for e in found] == [2, 1]


def test_without_a_limit_there_is_no_across_the_limit_count() -> None:
    [e] = backdated_rewrite(receipts(1), [50.0], [10.0], receipts(30), pollutant="so2")
    assert "n_lowered_across_limit" not in e.evidence
    assert e.severity is Severity.WARNING


def test_a_value_added_where_there_was_none_counts() -> None:
    [e] = backdated_rewrite(receipts(1), [np.nan], [12.0], receipts(30), pollutant="so2")
    assert e.evidence["n_values"] == 1
    assert e.evidence["mean_change"] is None


def test_changes_within_the_tolerance_are_rounding() -> None:
    assert (
        backdated_rewrite(
            receipts(1), [12.0], [12.004], receipts(30), pollutant="so2", tolerance=0.005
        )
        == []
    )


def test_it_reports_nothing_without_revisions() -> None:
    none = np.array([], dtype="datetime64[s]")
    assert backdated_rewrite(none, [], [], none, pollutant="so2") == []
