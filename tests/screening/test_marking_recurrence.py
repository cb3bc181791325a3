"""``marks_at_high_load`` versions 2–3: routine check hours left out, marks recurring at one hour.

Hand-computed cases on 14 days of hourly values (336); hypergeometric tails written as binomial
coefficients beside each expected value.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from ceguan.screening.detectors.marking import marks_at_high_load
from tests.screening import assert_registered

DAYS = 14
HOURS = np.arange(DAYS * 24)
T = np.datetime64("2026-01-05T00", "s") + HOURS * np.timedelta64(1, "h")
HOD, DAY = HOURS % 24, HOURS // 24
FLAT = np.full(HOURS.size, 100.0)  # a kiln at steady load: no peak hours


def test_marks_recurring_at_one_hour_on_a_flat_plant_are_reported() -> None:
    # A daily check at 20 h (C every day: routine, left out) and M at 02 h on days 3–8.
    flags = np.where(HOD == 20, "C", np.where((HOD == 2) & (DAY >= 3) & (DAY <= 8), "M", "N"))
    [e] = marks_at_high_load(T, flags, load=FLAT)
    # Routine hour 20 out: N = 14 · 23 = 322 values, K = 6 marks, all 6 in the 14 values at
    # 02 h: P[X ≥ 6] = C(14,6) / C(322,6); 23 hours judged (flat: none is a low-load hour) and
    # two tests ran (the peak group, the top values of a flat plant, is all values: p 1).
    assert e.evidence["routine_hours_utc"] == [20]
    assert e.evidence["test"] == "hour_of_day"
    assert (e.evidence["n_running"], e.evidence["n_marked"]) == (322, 6)
    assert (e.evidence["hour_utc"], e.evidence["n_at_hour"], e.evidence["n_marked_at_hour"]) == (
        2,
        14,
        6,
    )
    assert e.evidence["hours_judged"] == 23
    assert e.evidence["p_group"] == 1.0
    p = 2 * 23 * comb(14, 6) / comb(322, 6)
    assert e.evidence["p_value"] == pytest.approx(p, rel=5e-3)  # 3 significant digits
    assert e.score == pytest.approx(-np.log10(p), rel=1e-3)
    assert (e.start, e.end) == (T[3 * 24 + 2], T[8 * 24 + 2])  # first and last mark at 02 h
    assert_registered(e)


def test_a_daily_check_scheduled_at_a_peak_hour_is_routine() -> None:
    # Peak at 20 h (+30 %), C there every day. Version 1 put 14 marks in the peak group and
    # reported them (p = C(70,14)/C(336,14) ≈ 9.5e-11); version 2 leaves the routine hour out.
    load = np.where(HOD == 20, 130.0, 100.0)
    flags = np.where(HOD == 20, "C", "N")
    assert marks_at_high_load(T, flags, load=load) == []
    assert marks_at_high_load(T, flags, load=load, routine_share=1.01) != []  # no routine


def test_marks_recurring_at_a_low_load_hour_are_maintenance_where_it_belongs() -> None:
    # Night trough at 03–04 h (load 80 against a mean of hours 98.3: 19 % under it), M at
    # 03 h on 7 of 14 days: the hour is not judged, and it is outside the top values.
    load = np.where(np.isin(HOD, [3, 4]), 80.0, 100.0)
    flags = np.where((HOD == 3) & (DAY < 7), "M", "N")
    assert marks_at_high_load(T, flags, load=load) == []


def test_fewer_than_min_marked_marks_at_the_hour_are_not_enough() -> None:
    flags = np.where((HOD == 2) & (DAY < 4), "M", "N")  # 4 < min_marked 5
    assert marks_at_high_load(T, flags, load=FLAT) == []
    flags = np.where((HOD == 2) & (DAY < 5), "M", "N")  # 5: P = 2 · 24 · C(14,5)/C(336,5)
    [e] = marks_at_high_load(T, flags, load=FLAT)
    assert e.evidence["p_value"] == pytest.approx(48 * comb(14, 5) / comb(336, 5), rel=5e-3)


# Version 3: a routine check overwritten for a stretch of days stays routine (median week).
WEEKS = 5
H5 = np.arange(WEEKS * 7 * 24)
T5 = np.datetime64("2026-01-05T00", "s") + H5 * np.timedelta64(1, "h")
HOD5, DAY5 = H5 % 24, H5 // 24
OVERWRITTEN = (DAY5 >= 24) & (DAY5 <= 31)  # 8 days of a made-up series sending N throughout


def test_a_check_overwritten_for_eight_days_is_still_routine() -> None:
    # C at 20 h on 27 of 35 days (0.771 < routine_share 0.8); weeks of 7 values at 20 h:
    # 7/7, 7/7, 7/7, 3/7 (days 21–23), 3/7 (days 32–34): median 1.0 ≥ 0.8, routine.
    # M at 02 h on days 10–15 (6). Flat load: N = 35 · 23 = 805, K = 6, all at 02 h (35
    # values): P[X ≥ 6] = C(35,6) / C(805,6); 23 hours judged, two tests.
    check = (HOD5 == 20) & ~OVERWRITTEN
    practice = (HOD5 == 2) & (DAY5 >= 10) & (DAY5 <= 15)
    flags = np.where(check, "C", np.where(practice, "M", "N"))
    load = np.full(H5.size, 100.0)
    [e] = marks_at_high_load(T5, flags, load=load)
    assert e.evidence["routine_hours_utc"] == [20]
    assert (e.evidence["n_running"], e.evidence["n_marked"]) == (805, 6)
    assert (e.evidence["hour_utc"], e.evidence["n_marked_at_hour"]) == (2, 6)
    p = 2 * 23 * comb(35, 6) / comb(805, 6)
    assert e.evidence["p_value"] == pytest.approx(p, rel=5e-3)
    assert (e.start, e.end) == (T5[10 * 24 + 2], T5[15 * 24 + 2])
    assert_registered(e)
    # Without the practice nothing is left to judge; had 20 h not been routine (version 2),
    # its 27 marks in 35 values would have been reported as marks recurring at one hour.
    assert marks_at_high_load(T5, np.where(check, "C", "N"), load=load) == []
    assert marks_at_high_load(T5, np.where(check, "C", "N"), load=load, routine_share=1.01) != []


def test_a_practice_kept_up_for_ten_days_is_not_routine() -> None:
    # M at 02 h on days 10–19: weeks 0/7, 4/7, 6/7, 0/7, 0/7 (median 0) and 10/35 overall:
    # not routine. The daily check at 20 h (35/35) is. P[X ≥ 10] = C(35,10) / C(805,10).
    flags = np.where(HOD5 == 20, "C", np.where((HOD5 == 2) & (DAY5 >= 10) & (DAY5 <= 19), "M", "N"))
    [e] = marks_at_high_load(T5, flags, load=np.full(H5.size, 100.0))
    assert e.evidence["routine_hours_utc"] == [20]
    assert (e.evidence["hour_utc"], e.evidence["n_marked_at_hour"]) == (2, 10)
    assert e.evidence["p_value"] == pytest.approx(2 * 23 * comb(35, 10) / comb(805, 10), rel=5e-3)
