"""Minute values that jump at random (rule ``minute_jumps_rose``).

The series are built so that every number the rule computes is known by hand: ``ln value`` is
a triangle wave that moves by exactly ``S`` every minute (a smooth day: every jump is ``S``);
a made-up day adds ``±D`` alternating every minute, so each jump is ``2D + S`` or ``2D − S``,
half of each in every 120-minute period.
"""

from __future__ import annotations

import numpy as np

from ceguan.screening.detectors.jumps import daily_jumps, minute_jumps_rose
from tests.screening import assert_registered

S, D = 0.001, 0.004  # smooth move and made-up jitter per minute, in ln value
MINUTE = np.timedelta64(1, "m")
BEIJING_MIDNIGHT = np.datetime64("2026-01-04T16:00", "s")  # 2026-01-05 00:00 in Beijing


def minutes(days: int) -> np.ndarray:
    return BEIJING_MIDNIGHT + np.arange(days * 1440) * np.timedelta64(60, "s")


def ln_series(days: int, rough: set[int]) -> np.ndarray:
    k = np.arange(days * 1440)
    x = S * np.abs((k + 60) % 120 - 60)  # a triangle: every step is exactly S
    jitter = D * np.where(k % 2 == 0, 1.0, -1.0)
    return x + np.where(np.isin(k // 1440, list(rough)), jitter, 0.0)


def judge(values: np.ndarray, **kwargs: object) -> list:
    t = minutes(values.size // 1440)
    kwargs.setdefault("interval", MINUTE)
    return minute_jumps_rose(t, values, np.full(t.size, "N"), pollutant="so2", **kwargs)


def test_daily_jumps_by_hand() -> None:
    # pairs (1,2) (2,4) (4,3) (3,5): means 2.5 and 3.5, deviations (−1.5, −0.5, 1.5, 0.5) and
    # (−1.5, 0.5, −0.5, 1.5): Σ products 2.25 − 0.25 − 0.75 + 0.75 = 2, Σ squares 5 and 5:
    # ρ = 2 / 5 = 0.4. Jumps 1, 2, 1, 2: mean 1.5; capped at their median (trim 0.5 → the
    # second smallest, 1): 1.0.
    t = minutes(1)[:5]
    x = np.array([1.0, 2, 4, 3, 5])
    days, rho, jump, n, first, last = daily_jumps(t, x, np.ones(5, bool), trim=1.0)
    assert [str(d) for d in days] == ["2026-01-05"]
    assert np.allclose(rho, [0.4]) and np.allclose(jump, [1.5]) and list(n) == [4]
    assert (list(first), list(last)) == ([0], [4])
    assert np.allclose(daily_jumps(t, x, np.ones(5, bool), trim=0.5)[2], [1.0])


def test_pairs_stop_at_beijing_midnight_at_gaps_and_at_invalid_values() -> None:
    t = BEIJING_MIDNIGHT + np.array([-2, -1, 0, 1, 3, 4, 5], dtype="timedelta64[m]")
    x = np.array([1.0, 3, 10, 11, 20, 22, 25])
    ok = np.array([True, True, True, True, True, True, False])
    days, _rho, jump, n, first, last = daily_jumps(t, x, ok, trim=1.0)
    # 01-04 (Beijing): the pair (1, 3); 01-05: (10, 11) and, after the 2-minute gap, (20, 22);
    # the pair across midnight (3, 10) and the pair with the invalid 25 are not pairs.
    assert [str(d) for d in days] == ["2026-01-04", "2026-01-05"]
    assert list(n) == [1, 2] and np.allclose(jump, [2.0, 1.5])
    assert (list(first), list(last)) == ([0, 2], [1, 5])


def test_four_made_up_days_among_smooth_ones_are_one_episode() -> None:
    values = 50 * np.exp(ln_series(14, rough={6, 7, 8, 9}))
    [e] = judge(values)
    assert_registered(e)
    t = minutes(14)
    assert (e.start, e.end) == (t[6 * 1440], t[10 * 1440 - 1])  # Beijing days 6–9, whole
    ev = e.evidence
    assert (ev["days"], ev["first_day"], ev["last_day"]) == (4, "2026-01-11", "2026-01-14")
    assert ev["reference_jump"] == S  # every smooth jump is S
    # A made-up day's 1439 pairs: 720 of 2D + S and 720 of 2D − S, less its first minute's
    # pair (from the trough's neighbour S down to 0, jitter +2D: 2D − S): J = 2D + S / 1439.
    assert abs(ev["jump_ratio"] - (2 * D / S + 1 / 1439)) < 1e-4
    assert round(e.score, 4) == ev["jump_ratio"]
    assert ev["persistence"] < ev["reference_persistence"]
    assert ev["pairs"] == 4 * 1439


def test_two_made_up_days_are_not_a_stretch() -> None:
    assert judge(50 * np.exp(ln_series(14, rough={6, 7}))) == []
    assert len(judge(50 * np.exp(ln_series(14, rough={6, 7})), min_days=2)) == 1


def test_a_day_without_data_neither_counts_nor_breaks_the_stretch() -> None:
    values = 50 * np.exp(ln_series(14, rough={6, 7, 9}))
    values[8 * 1440 : 9 * 1440] = np.nan
    [e] = judge(values)
    assert (e.evidence["days"], e.evidence["first_day"], e.evidence["last_day"]) == (
        3,
        "2026-01-11",
        "2026-01-14",
    )


def test_only_minute_data_are_judged() -> None:
    values = 50 * np.exp(ln_series(14, rough={6, 7, 8, 9}))
    assert judge(values, interval=np.timedelta64(1, "h")) == []


def test_a_coarse_analyser_is_not_judged() -> None:
    # 50–53 mg/m³ read to 1 mg/m³: every move is one step (step_share 1 ≥ 0.5)
    values = np.round(50 * np.exp(ln_series(14, rough={6, 7, 8, 9})))
    assert judge(values) == []
    assert len(judge(values, coarse_share=1.1)) == 1  # the guard is what keeps it out


def test_a_day_the_load_changed_the_same_way_is_not_judged() -> None:
    values = 50 * np.exp(ln_series(14, rough={6, 7, 8, 9}))
    steady_load = 100 * np.exp(ln_series(14, rough=set()))
    assert len(judge(values, load=steady_load)) == 1
    load = 100 * np.exp(ln_series(14, rough={7}))  # the logger changed on day 7: 6 | 8 9
    assert judge(values, load=load) == []
    load = 100 * np.exp(ln_series(14, rough={9}))  # 6 7 8 stay a stretch
    [e] = judge(values, load=load)
    assert (e.evidence["days"], e.evidence["last_day"]) == (3, "2026-01-13")


def test_stopped_rows_are_left_out() -> None:
    values = 50 * np.exp(ln_series(14, rough={6, 7, 8, 9}))
    load = 100 * np.exp(ln_series(14, rough=set()))
    load[7 * 1440 : 8 * 1440] = 1.0  # stopped all of day 7: not judged, the stretch holds
    [e] = judge(values, load=load)
    assert e.evidence["days"] == 3
    load[8 * 1440 : 9 * 1440] = 1.0  # and day 8: two changed days are left
    assert judge(values, load=load) == []


def test_a_series_whose_minutes_never_followed_each_other_has_nothing_to_lose() -> None:
    k = np.arange(14 * 1440)
    noise = np.where(k % 2 == 0, 1.0, -1.0) * np.where(k // 1440 >= 6, 0.01, 0.002)
    values = 50 * np.exp(noise)  # ρ = −1 every day: under min_reference 0.5
    assert judge(values) == []


def test_too_few_days_give_no_reference() -> None:
    values = 50 * np.exp(ln_series(6, rough={3, 4, 5}))
    assert judge(values) == []  # 6 judged days < 7
    assert len(judge(values, min_judged_days=6)) == 1
