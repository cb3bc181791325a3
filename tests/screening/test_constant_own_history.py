"""``constant_run`` version 2: a run is judged against the series' own flat stretches.

A coarse analyzer (0.1 °C, 1 µS/cm) on a quiet process stays on one value for hours; an analyzer
stuck on one value stays there longer than its own quiet stretches. Every expected number is
computed by hand in the comments (``tail_need``: u = the 21st longest other run, scale =
median excess / ln 2, need = u + scale · ln(20 / 0.01); ln 2000 = 7.600902).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ceguan.screening.detectors.constant import constant_run, step_share, tail_need
from tests.screening import assert_registered, hourly, valid

LN_2000 = math.log(2000.0)  # ln(tail_runs / alpha) with the defaults 20 and 0.01


def blocks(*runs: tuple[int, int]) -> list[float]:
    """Consecutive runs, each ``(values, how many such runs)``, alternating 1.0 and 2.0."""
    out: list[float] = []
    for length, count in runs:
        for _ in range(count):
            out += [2.0 if out and out[-1] == 1.0 else 1.0] * length
    return out


def test_tail_need_fits_an_exponential_tail_by_its_median_excess() -> None:
    # Other runs 1, 1, 2, 3, 10, 12, 14, 20 with tail_runs = 4: u = 3 (5th longest), excesses
    # 17, 11, 9, 7, median 10, scale 10 / ln 2 = 14.427; need = 3 + 14.427 · ln(4 / 0.01)
    # = 3 + 14.427 · 5.991465 = 89.44.
    need = tail_need(np.array([1, 1, 2, 3, 10, 12, 14, 20]), 4, 0.01)
    assert need == pytest.approx(3 + 10 / math.log(2) * math.log(400), rel=1e-12)
    assert need == pytest.approx(89.44, abs=0.01)


def test_tail_need_is_none_without_enough_other_runs() -> None:
    # 20 other runs are not enough for a tail of 20 above a 21st.
    assert tail_need(np.full(20, 5), 20, 0.01) is None
    assert tail_need(np.full(21, 5), 20, 0.01) == 5.0  # all equal: no excess, need = u


def coarse_quiet(candidate: int) -> list[float]:
    """20 quiet stretches of 21 values (20 equalities), 30 pairs (1 equality), then a run."""
    return blocks((21, 20), (2, 30)) + [7.0] * (candidate + 1)


def test_a_coarse_quiet_analyzer_is_judged_by_its_own_flat_stretches() -> None:
    # Other runs: 20 of 20 equalities, 30 of 1. u = 1 (21st longest), excesses 19 (×20),
    # scale 19 / ln 2 = 27.411; need = 1 + 27.411 · 7.600902 = 209.35 → 210 equalities.
    # Version 1 alone: 480 + 151 = 631 values, 630 pairs, 400 + 30 + 150 = 580 equal; outside
    # the run m = 630 − 150 = 480 pairs, 430 equal, p = 0.89583; log(0.01 / 480) / log(p)
    # = −10.779 / −0.11000 = 97.99 → 98. A run of 150 equalities (150 h) passes version 1 only.
    x = coarse_quiet(150)
    n = len(x)
    assert constant_run(hourly(n), x, valid(n), pollutant="temperature") == []
    [v1] = constant_run(hourly(n), x, valid(n), pollutant="temperature", tail_runs=None)
    assert (v1.evidence["n_values"], v1.evidence["min_equal"]) == (151, 98)


def test_a_run_longer_than_the_own_tail_allows_is_still_reported() -> None:
    # The same history and a run of 215 equalities (216 values) ≥ 210.
    x = coarse_quiet(215)
    n = len(x)
    [e] = constant_run(hourly(n), x, valid(n), pollutant="temperature")
    assert e.evidence["min_equal"] == math.ceil(1 + 19 / math.log(2) * LN_2000) == 210
    assert e.evidence["n_values"] == 216
    assert e.evidence["longest_other_run"] == 21
    assert e.evidence["own_tail"] is True
    assert_registered(e)


def test_an_earlier_fault_in_the_history_does_not_hide_a_second() -> None:
    # 40 pairs (1 equality each), a stuck run of 300 equalities, then one of 100. For the second:
    # other runs 300 and 1 (×40); u = 1, excesses 299, 0 (×19): median 0, so the tail needs only
    # u = 1 equality (a mean fit would need 1 + 14.95 · 7.6009 = 114.6 and miss it). Version 1:
    # values 80 + 301 + 101 = 482, pairs 481, outside the run m = 381 with 340 equal,
    # p = 0.89239, log(0.01 / 381) / log(0.89239) = −10.548 / −0.11385 = 92.65 → 93 ≤ 100.
    x = blocks((2, 40)) + [5.0] * 301 + [7.0] * 101
    n = len(x)
    first, second = constant_run(hourly(n), x, valid(n), pollutant="so2")
    assert (first.evidence["n_values"], second.evidence["n_values"]) == (301, 101)
    assert second.evidence["min_equal"] == 93
    assert second.evidence["own_tail"] is True


def test_a_stuck_value_on_a_full_resolution_series_needs_only_min_count() -> None:
    # Values at three decimals never repeat: no other run, version 1's min_count − 1 = 4.
    rng = np.random.default_rng(4)
    x = np.round(50 + rng.normal(0, 2, 600), 3)
    x[300:306] = x[299]  # six more values equal to x[299]: a run of 7 values, 6 h
    [e] = constant_run(hourly(600), x, valid(600), pollutant="so2")
    assert (e.evidence["n_values"], e.evidence["min_equal"], e.evidence["own_tail"]) == (
        7,
        4,
        False,
    )


def test_step_share_is_the_share_of_moves_of_the_commonest_size() -> None:
    # Moves of 4.6, 4.7, 4.7, 4.6, 4.8, 4.8: 0.1, 0, 0.1, 0.2, 0 → sizes 0.1, 0.1, 0.2: 2 of 3
    # (4.7 − 4.6 and 4.8 − 4.7 differ in floating point and count as one size).
    x = np.array([4.6, 4.7, 4.7, 4.6, 4.8, 4.8])
    assert step_share(x, np.ones(5, dtype=bool)) == pytest.approx(2 / 3)
    assert np.isnan(step_share(np.array([3.0, 3.0]), np.ones(1, dtype=bool)))  # nothing moves


def test_a_full_resolution_series_does_not_learn_that_stuck_is_normal() -> None:
    # 30 segments: 50 moves of distinct sizes 0.5 + 0.001 c (c = 0 … 1499), then a stuck run of
    # 7 + i equalities (i = 0 … 29). Every move differs: step_share = 1 / 1500 < 0.1, so the
    # own-history guard is off and the result is version 1's: 1500 + 645 = 2145 pairs; for the
    # run of 11, p = (645 − 11) / (2145 − 11) = 0.2971 and log(0.01 / 2134) / log(p) = 10.12 → 11,
    # so the 26 runs of 11 … 36 equalities are reported. With the gate forced open
    # (coarse_share 0) the 29 other stuck runs would make stuck look normal: their top 20
    # (36 … 17 equalities, u = 16, median excess 10.5) need 16 + 15.15 · 7.6 = 131 equalities.
    moves: list[float] = []
    for i in range(30):
        moves += [0.5 + 0.001 * (50 * i + j) for j in range(50)] + [0.0] * (7 + i)
    x = 100 + np.concatenate(([0.0], np.cumsum(moves)))
    n = x.size
    assert step_share(x, np.ones(n - 1, dtype=bool)) == pytest.approx(1 / 1500)
    gated = constant_run(hourly(n), x, valid(n), pollutant="so2")
    v1 = constant_run(hourly(n), x, valid(n), pollutant="so2", tail_runs=None)
    assert [e.evidence["n_values"] for e in gated] == [e.evidence["n_values"] for e in v1]
    assert len(gated) == 26 and not any(e.evidence["own_tail"] for e in gated)
    assert constant_run(hourly(n), x, valid(n), pollutant="so2", coarse_share=0.0) == []


def test_runs_of_zeros_say_nothing_of_the_resolution() -> None:
    # 25 × (31 zeros, 1.0, 1.0, 2.0, 2.0), then 16 values of 7.0 (15 equalities, 15 h). The zero
    # runs (30 equalities each) are left to zero_or_negative and left out of both guards:
    # 891 values, 890 pairs; without the 750 zero equalities and the run's 15, m = 125 pairs of
    # which 50 are equal (the 1.0 and 2.0 pairs): p = 0.4, log(0.01 / 125) / log(0.4)
    # = −9.4335 / −0.91629 = 10.3 → 11 ≤ 15. Counted in, they would give p = 800 / 875 and a
    # need of 127. Own tail: 50 other runs of 1 equality, u = 1, no excess: need 1. Moves: 50
    # of 1 (0→1, 1→2), 24 of 2 (2→0), one of 5 (2→7): step_share = 50 / 75.
    x = [0.0] * 31 + [1.0, 1.0, 2.0, 2.0]
    x = x * 25 + [7.0] * 16
    n = len(x)
    [e] = constant_run(hourly(n), x, valid(n), pollutant="so2")
    assert e.evidence["n_values"] == 16
    assert e.evidence["min_equal"] == 11
    assert e.evidence["share_repeated"] == 0.4
    assert e.evidence["longest_other_run"] == 2  # zero runs are not the analyzer's quiet runs
    assert e.evidence["step_share"] == round(50 / 75, 4)
    assert e.evidence["own_tail"] is True
