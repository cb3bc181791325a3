"""Which rules the runner judges on minute data, and their tuning there (pure).

Hourly averaging hides what covers part of an hour: an hour with 40 minutes of zeros, a frozen
value or a gap still gives a normal-looking mean flagged N (flue gas: N when ≥ 75 % of its
minutes are N, HJ 212-2017 附录C). Where a facility sends minute data (HJ 212 CN 2051), the
runner judges these rules on the minute series instead of the hourly one. The tuning is
statistical (counts of minutes), not regulatory: an hour of zeros or of missing minutes, two
hours for a constant value (``constant_run``'s default since version 3: a run that long fills a
whole hourly average; on hourly data its ``min_count`` of 5 decides), and a copied block of an
hour. ``minute_jumps_rose`` exists only on minute data (hourly means average its jumps away).
"""

from __future__ import annotations

from typing import Any

#: Rule id → tuning on minute data (keyword arguments passed with the runner's inputs).
MINUTE_RULES: dict[str, dict[str, Any]] = {
    "constant_run": {},
    "zero_or_negative": {"min_count": 60},
    "missing_data": {"min_missing": 60},
    "copied_segment": {"block": 60},
    "minute_jumps_rose": {},
}
#: Minute rules that judge whole Beijing days against the series' own other days. An
#: incremental run (which loads the day just received) judges them only when its new values
#: reach back over a Beijing midnight, and then over the series' longer past
#: (``runner.OWN_HISTORY``): on the first one or two runs of each day (new values are counted
#: from the last settled mark, ``marks.SETTLE``), not on every run.
DAILY_MINUTE_RULES: frozenset[str] = frozenset({"minute_jumps_rose"})
