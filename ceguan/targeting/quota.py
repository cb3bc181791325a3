"""The yearly inspection quota of a city, organised by quarter, with shortfalls carried forward.

Pure: no Django, no I/O. The rule (甘环办发〔2018〕25号 二（二）): each year a city inspects at
least ``share`` (``workplan.annual_inspection_quota``, 10 %) of its automatic monitoring
facilities, organised by quarter. The plan does not split the share between quarters nor say on
which day the facilities are counted; Ceguan decides (docs/decisions/0006-quota-and-ceremony.md):

* the facilities counted are those networked (联网) on or before the count day, and the count day
  of a quarter is the day its plan's population is frozen; a count that changes during the year
  changes the yearly quota from that quarter on;
* the yearly quota is ``A = ceil(share × count)``;
* by the end of quarter q the city should have reached ``ceil(A × q / 4)`` facilities, so the
  target of quarter q is that cumulative figure minus what earlier quarters achieved. Whatever an
  earlier quarter fell short (a quarter with no plan, a cancelled task) is thereby carried into
  the next, and a quarter that drew more lowers the next target (never below 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

#: Quarters in a year; quarter q covers months 3q−2 … 3q (calendar, Beijing time).
QUARTERS = 4


def quarter_of(day: date) -> int:
    """The quarter (1–4) a Beijing-time calendar day falls in.

    Examples
    --------
    >>> quarter_of(date(2026, 3, 31)), quarter_of(date(2026, 4, 1))
    (1, 2)
    """
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter.

    Examples
    --------
    >>> quarter_bounds(2026, 4)
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    """
    _check_quarter(quarter)
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == QUARTERS else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def annual_quota(share: float, facilities: int) -> int:
    """The yearly number of facilities to inspect: ``ceil(share × facilities)``.

    Parameters
    ----------
    share : float
        Minimum yearly share (``workplan.annual_inspection_quota``) [fraction 0–1].
    facilities : int
        Automatic monitoring facilities counted on the count day [台套].

    Notes
    -----
    The share is taken as an exact decimal (0.1 is one tenth, not the binary float below it), so
    ``annual_quota(0.1, 130) == 13`` and not 14.

    References
    ----------
    甘环办发〔2018〕25号 二（二）: "全年按照自动监控设施数量不低于10%的比例".

    Examples
    --------
    >>> annual_quota(0.10, 130), annual_quota(0.10, 131), annual_quota(0.10, 0)
    (13, 14, 0)
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be a fraction between 0 and 1, got {share}")
    if facilities < 0:
        raise ValueError("facilities must not be negative")
    return math.ceil(Fraction(str(share)) * facilities)


def cumulative_target(annual: int, quarter: int) -> int:
    """Facilities to have been inspected by the end of ``quarter``: ``ceil(annual × q / 4)``.

    Examples
    --------
    >>> [cumulative_target(13, q) for q in (1, 2, 3, 4)]
    [4, 7, 10, 13]
    """
    _check_quarter(quarter)
    return -(-annual * quarter // QUARTERS)


@dataclass(frozen=True)
class QuarterTarget:
    """What a city must draw in one quarter and why.

    Attributes
    ----------
    quarter : int
        1–4.
    counted_facilities : int
        Facilities counted on the count day [台套].
    annual_quota : int
        ``ceil(share × counted_facilities)``.
    achieved_before : int
        Facilities of the city's own plans in earlier quarters of the year whose task was not
        cancelled.
    shortfall_in : int
        What earlier quarters fell short of their cumulative target, carried into this one.
    target : int
        Facilities to draw this quarter: ``max(0, cumulative_target(q) − achieved_before)``.
    """

    quarter: int
    counted_facilities: int
    annual_quota: int
    achieved_before: int
    shortfall_in: int
    target: int


def quarter_target(
    share: float, facilities: int, quarter: int, achieved_before: int
) -> QuarterTarget:
    """The target of ``quarter``, carrying earlier shortfalls into it.

    Parameters
    ----------
    share : float
        ``workplan.annual_inspection_quota`` on the count day [fraction].
    facilities : int
        Facilities counted on the count day (the plan's freeze day) [台套].
    quarter : int
        1–4.
    achieved_before : int
        Facilities inspected (drawn or ad hoc in the city's own plans, task not cancelled) in
        quarters 1 … q−1 of the same year.

    Examples
    --------
    130 facilities, 10 %: A = 13, cumulative targets 4, 7, 10, 13. Quarter 1 drew 4, quarter 2
    drew only 1 (5 in all), so quarter 3 carries 7 − 5 = 2 and must draw 10 − 5 = 5:

    >>> quarter_target(0.1, 130, 3, 5)
    QuarterTarget(quarter=3, counted_facilities=130, annual_quota=13, achieved_before=5, \
shortfall_in=2, target=5)
    """
    if achieved_before < 0:
        raise ValueError("achieved_before must not be negative")
    annual = annual_quota(share, facilities)
    due_before = cumulative_target(annual, quarter - 1) if quarter > 1 else 0
    return QuarterTarget(
        quarter=quarter,
        counted_facilities=facilities,
        annual_quota=annual,
        achieved_before=achieved_before,
        shortfall_in=max(0, due_before - achieved_before),
        target=max(0, cumulative_target(annual, quarter) - achieved_before),
    )


@dataclass(frozen=True)
class QuarterProgress:
    """One row of a year's progress: what was due, planned, drawn and visited in a quarter."""

    quarter: int
    due: int | None
    planned: int | None
    drawn: int
    adhoc: int
    visited: int
    cumulative_due: int | None
    cumulative_done: int
    shortfall: int | None


def year_progress(
    annual_by_quarter: Mapping[int, int],
    planned: Mapping[int, int],
    drawn: Mapping[int, int],
    adhoc: Mapping[int, int],
    visited: Mapping[int, int],
) -> list[QuarterProgress]:
    """The year's progress, quarter by quarter, from counts the service gathers.

    Parameters
    ----------
    annual_by_quarter : mapping of quarter to int
        The yearly quota as computed at each quarter's count day; quarters without a frozen plan
        are missing and take the latest earlier figure. Quarters before the first known figure
        take that first figure: a city that plans for the first time in Q3 still owed Q1 and
        Q2's share, and its shortfall shows it.
    planned : mapping of quarter to int
        ``n`` to draw fixed at each frozen plan.
    drawn, adhoc, visited : mapping of quarter to int
        Facilities drawn, added ad hoc (city's own plans only) and visited, tasks not cancelled.

    Returns
    -------
    list of QuarterProgress
        Quarters 1–4. ``shortfall`` is ``cumulative_due − cumulative_done`` (≥ 0), None while no
        quota is known.

    Examples
    --------
    >>> rows = year_progress({1: 13, 2: 13}, {1: 4, 2: 3}, {1: 4, 2: 1}, {}, {1: 4})
    >>> [(r.quarter, r.cumulative_due, r.cumulative_done, r.shortfall) for r in rows]
    [(1, 4, 4, 0), (2, 7, 5, 2), (3, 10, 5, 5), (4, 13, 5, 8)]
    """
    rows: list[QuarterProgress] = []
    annual = annual_by_quarter[min(annual_by_quarter)] if annual_by_quarter else None
    done = 0
    for quarter in range(1, QUARTERS + 1):
        annual = annual_by_quarter.get(quarter, annual)
        done += drawn.get(quarter, 0) + adhoc.get(quarter, 0)
        cumulative = None if annual is None else cumulative_target(annual, quarter)
        previous = (
            None if annual is None or quarter == 1 else cumulative_target(annual, quarter - 1)
        )
        rows.append(
            QuarterProgress(
                quarter=quarter,
                due=None if cumulative is None else cumulative - (previous or 0),
                planned=planned.get(quarter),
                drawn=drawn.get(quarter, 0),
                adhoc=adhoc.get(quarter, 0),
                visited=visited.get(quarter, 0),
                cumulative_due=cumulative,
                cumulative_done=done,
                shortfall=None if cumulative is None else max(0, cumulative - done),
            )
        )
    return rows


def _check_quarter(quarter: int) -> None:
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= QUARTERS:
        raise ValueError(f"quarter must be 1–{QUARTERS}, got {quarter!r}")
