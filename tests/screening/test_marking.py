"""Marks beyond their norm (rules ``marks_at_high_load``, ``marked_hours_over_norm``)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from ceguan.screening.detectors.marking import marked_hours_over_norm, marks_at_high_load
from tests.screening import HOUR, assert_registered, at, hourly

# 32 hours at load 50 then 8 at load 100 (the top 20 %).
LOAD = np.r_[np.full(32, 50.0), np.full(8, 100.0)]


def test_it_reports_maintenance_marks_piled_on_the_high_load_hours() -> None:
    # 7 marks, all 7 in the 8 top hours: P[X ≥ 7] = C(7,7)·C(33,1) / C(40,8).
    flags = ["N"] * 32 + ["M"] * 7 + ["N"]
    [e] = marks_at_high_load(hourly(40), flags, load=LOAD)
    p = comb(33, 1) / comb(40, 8)
    assert e.evidence["n_running"] == 40
    assert e.evidence["n_top"] == 8
    assert e.evidence["n_marked"] == 7
    assert e.evidence["n_marked_top"] == 7
    assert e.evidence["share_marked_top"] == 0.875
    assert e.evidence["share_marked_rest"] == 0.0
    assert e.evidence["p_value"] == pytest.approx(p, rel=1e-2)
    assert e.score == pytest.approx(-np.log10(p))
    assert (e.start, e.end, e.pollutant) == (at(0), at(39), "")
    assert_registered(e)


def test_marks_spread_over_all_hours_are_not_clustered() -> None:
    flags = np.full(40, "N")
    flags[::4] = "C"  # 10 marks, 2 of them in the top 8 hours
    assert marks_at_high_load(hourly(40), flags, load=LOAD) == []


def test_marks_during_stops_are_not_counted() -> None:
    load = np.r_[np.full(30, 0.0), np.full(10, 100.0)]
    flags = ["M"] * 30 + ["N"] * 10
    assert marks_at_high_load(hourly(40), flags, load=load) == []


def test_it_needs_min_marked_marks_in_the_top_group() -> None:
    flags = ["N"] * 32 + ["D"] * 4 + ["N"] * 4
    assert marks_at_high_load(hourly(40), flags, load=LOAD) == []


def test_it_reports_marked_hours_over_the_norm() -> None:
    # 3 h M + 4 h D = 7 h > 5 h.
    flags = ["M"] * 3 + ["D"] * 4 + ["N"] * 3
    [e] = marked_hours_over_norm(hourly(10), flags, interval=HOUR, norm_hours=5.0)
    assert e.evidence == {
        "marked_h": 7.0,
        "norm_h": 5.0,
        "by_flag_h": {"M": 3.0, "C": 0.0, "D": 4.0},
        "n_values": 10,
    }
    assert e.score == 7.0 / 5.0
    assert_registered(e)


def test_marked_hours_within_the_norm_are_fine() -> None:
    flags = ["M"] * 5 + ["N"] * 5
    assert marked_hours_over_norm(hourly(10), flags, interval=HOUR, norm_hours=5.0) == []


def test_minute_marks_count_by_their_interval() -> None:
    # 180 marked minutes = 3 h.
    minutes = np.datetime64("2026-01-05T00:00", "s") + np.arange(300) * np.timedelta64(1, "m")
    flags = ["C"] * 180 + ["N"] * 120
    [e] = marked_hours_over_norm(minutes, flags, interval=np.timedelta64(1, "m"), norm_hours=2)
    assert e.evidence["marked_h"] == 3.0


def test_it_reports_nothing_for_empty_series_and_rejects_a_zero_norm() -> None:
    empty = np.array([], dtype="<U1")
    assert marks_at_high_load(hourly(0), empty, load=[]) == []
    with pytest.raises(ValueError, match="norm_hours"):
        marked_hours_over_norm(hourly(0), empty, interval=HOUR, norm_hours=0.0)


def test_marks_at_the_plants_own_peak_hours_are_found_whatever_the_days_load() -> None:
    # 14 days, hourly. The plant peaks at UTC hours 2, 3, 11, 12 (+20) and 10 (+10) every day,
    # but whole days differ more (day d runs at 100 + 5·d): the top 20 % by load are the last
    # days, whatever the hour. Hour 2 is marked M on days 0–6 (a mark at the morning peak).
    hours = np.arange(14 * 24)
    t = np.datetime64("2026-01-05T00", "s") + hours * np.timedelta64(1, "h")
    hod, day = hours % 24, hours // 24
    load = 100.0 + 5.0 * day + np.select([np.isin(hod, [2, 3, 11, 12]), hod == 10], [20.0, 10.0])
    flags = np.where((hod == 2) & (day < 7), "M", "N")
    [e] = marks_at_high_load(t, flags, load=load)
    assert e.evidence["grouping"] == "peak_hours"
    assert e.evidence["peak_hours_utc"] == [2, 3, 10, 11, 12]
    assert (e.evidence["n_top"], e.evidence["n_marked"], e.evidence["n_marked_top"]) == (70, 7, 7)
    # Peak group: P[X ≥ 7] for 7 marks among 336 values, 70 of them at peak hours.
    assert e.evidence["p_group"] == pytest.approx(comb(70, 7) / comb(336, 7), rel=1e-3)
    # Version 2 (issue 4) also tests each hour of the day: hour 2 holds all 7 marks in its 14
    # values, P[X ≥ 7] = C(14,7) / C(336,7); every hour is judged (mean loads 132.5–152.5, none
    # 5 % under their mean 136.25), so ×24; two tests ran, so p = 2 · 24 · C(14,7) / C(336,7)
    # (version 1 reported the peak group's p, 1.33e-5).
    assert e.evidence["test"] == "hour_of_day"
    assert (e.evidence["hour_utc"], e.evidence["n_at_hour"], e.evidence["hours_judged"]) == (
        2,
        14,
        24,
    )
    assert e.evidence["p_value"] == pytest.approx(48 * comb(14, 7) / comb(336, 7), rel=1e-3)
    assert (e.start, e.end) == (t[2], t[6 * 24 + 2])  # the first and the last mark at 02 h
    # grouped by load instead (too few days for peak hours): the marks are on low-load days
    assert marks_at_high_load(t, flags, load=load, min_days=15) == []
