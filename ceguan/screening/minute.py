"""Which rules the runner judges on minute data, and their tuning there (pure).

Hourly averaging hides what covers part of an hour: an hour with 40 minutes of zeros, a frozen
value or a gap still gives a normal-looking mean flagged N (flue gas: N when ≥ 75 % of its
minutes are N, HJ 212-2017 附录C). Where a facility sends minute data (HJ 212 CN 2051), the
runner judges these rules on the minute series instead of the hourly one. The tuning is
statistical (counts of minutes), not regulatory: an hour of zeros or of missing minutes, two
hours for a constant value (``constant_run``'s default since version 3: a run that long fills a
whole hourly average; on hourly data its ``min_count`` of 5 decides), and a copied block of an
hour. ``minute_jumps_rose`` exists only on minute data (hourly means average its jumps away).

HJ 212 devices send "minute data" every ``MinInterval`` minutes (1–30; 10 is common), each value
the mean of its interval. The counts below are of one-minute values; for a series sent every n
minutes the runner scales those that stand for a duration (:func:`minute_tuning`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

#: Rule id → tuning on minute data (keyword arguments passed with the runner's inputs).
MINUTE_RULES: dict[str, dict[str, Any]] = {
    "constant_run": {},
    "zero_or_negative": {"min_count": 60},
    "missing_data": {"min_missing": 60},
    "copied_segment": {"block": 60},
    "minute_jumps_rose": {},
}
#: Tuning counts that stand for a duration (an hour of one-minute values): scaled to the series'
#: interval, down to a floor where the rule needs one.
DURATION_COUNTS = frozenset({"min_count", "min_missing", "block"})
#: Floors of the scaled counts. ``copied_segment``'s block: at 10 minutes an hour is 6 values,
#: fewer than the 7 that hold its ``min_distinct`` 6 moves; 7 values gave 1.9–3.0 false copies
#: per 100 facility-days on clean simulation (bench ``--min-interval 10``, seeds 3 and 4), 12 and
#: 18 none; 18 (3 h at 10 minutes) keeps a margin. One-minute data keep their 60.
SCALED_FLOOR: dict[str, int] = {"block": 18}
#: Minute rules that judge whole Beijing days against the series' own other days. An
#: incremental run (which loads the day just received) judges them once a day, when its new
#: values reach back over the facility's :func:`daily_slot`, and then over the series' longer
#: past (``runner.OWN_HISTORY``), not on every run.
DAILY_MINUTE_RULES: frozenset[str] = frozenset({"minute_jumps_rose"})
#: The daily slots lie this long after Beijing midnight …
DAILY_SLOT_FIRST = timedelta(minutes=30)
#: … spread over this many minutes (to 06:00): under the 6 h of pairs a day needs to be judged,
#: so the day just begun is never judged on its first hours.
DAILY_SLOT_SPREAD = 330


def minute_tuning(rule_id: str, interval_minutes: int) -> dict[str, Any]:
    """The :data:`MINUTE_RULES` tuning of ``rule_id`` for a series sent every
    ``interval_minutes``: the :data:`DURATION_COUNTS` scaled to the same duration.

    >>> minute_tuning("zero_or_negative", 10), minute_tuning("copied_segment", 10)
    ({'min_count': 6}, {'block': 18})
    """
    tuning = dict(MINUTE_RULES[rule_id])
    for key in DURATION_COUNTS & tuning.keys():
        scaled = math.ceil(tuning[key] / interval_minutes)
        tuning[key] = max(scaled, SCALED_FLOOR.get(key, 1))
    return tuning


def daily_slot(facility_id: int) -> timedelta:
    """When, after Beijing midnight, a facility's daily minute rules are judged.

    Spread over 00:30–06:00 by the facility id, so that a province's facilities do not all load
    two weeks of minutes in the first run after midnight (measured: 76 ms a facility with one
    minute pollutant on PostgreSQL, docs/detectors.md). The half hour leaves room for the last
    minutes of the day to arrive.

    >>> daily_slot(1), daily_slot(2)
    (datetime.timedelta(seconds=7620), datetime.timedelta(seconds=13440))
    """
    return DAILY_SLOT_FIRST + timedelta(minutes=(facility_id * 97) % DAILY_SLOT_SPREAD)
