"""Value marks: how an incremental screening run finds new values without scanning history.

Each facility's cursor keeps a value mark (every value with an id at or below it is committed and
screened) and how many of its values above the mark it had seen. One grouped query over the
primary key's range ``id > mark`` per distinct mark says, per facility, how many values lie above
it, their earliest data time and latest receipt; what it reads grows with the values written
since the mark, not with any facility's history, and it needs no index beyond the key (every
index on values slows ingest). Ids are allocated before a transaction commits, so marks move
only to the high id of a run at least :data:`SETTLE` old, and values above a mark are re-counted
by every run (``ceguan.screening.runner`` explains the whole scheme).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Count, Max, Min

from ceguan.registry.models import Facility
from ceguan.screening.models import ScreeningCursor, ScreeningRun
from ceguan.telemetry.models import TelemetryValue

#: How long a write transaction may stay open after allocating value ids (a receiver batch takes
#: well under a second, a file import seconds): a cursor's value mark moves only up to the high
#: id of a run at least this old. Longer means more values re-counted by each run, not more
#: facilities re-screened.
SETTLE = timedelta(minutes=15)


class NewValues(NamedTuple):
    """A facility's values above one id mark: how many, earliest data time, latest receipt."""

    count: int
    first: datetime
    latest: datetime


def high_value_id() -> int:
    """The highest value id committed now (0 with none): a backward probe of the primary key
    (on PostgreSQL one per monthly partition), not a scan."""
    found = TelemetryValue.objects.aggregate(high=Max("id"))["high"]
    return int(found or 0)


def values_above(marks: Iterable[int]) -> dict[int, dict[int, NewValues]]:
    """For each id mark, every facility's values with a higher id (mark → facility → summary).

    One grouped query per distinct mark over the primary key's range ``id > mark``: what it
    reads grows with the values written since the mark, not with any facility's history, and
    it needs no index beyond the key (every index on values slows ingest). Values written by
    the receiver, by file imports and by hourly rollups all get ids from the same sequence.
    """
    out: dict[int, dict[int, NewValues]] = {}
    for mark in sorted(set(marks)):
        rows = (
            TelemetryValue.objects.filter(pk__gt=mark)
            .values("facility_id")
            .annotate(n=Count("pk"), first=Min("data_time"), latest=Max("received_at"))
            .order_by()
        )
        out[mark] = {r["facility_id"]: NewValues(r["n"], r["first"], r["latest"]) for r in rows}
    return out


@dataclass
class ValueMarks:
    """The value marks of one screening run: the settled mark (the high id of the latest run at
    least :data:`SETTLE` old), and every facility's values above each mark in use."""

    settled: int | None = None
    settled_at: datetime | None = None
    above: dict[int, dict[int, NewValues]] = field(default_factory=dict)
    cursors: dict[int, tuple[str, int | None, int]] = field(default_factory=dict)
    """Facility → (fingerprint, value mark, value count) of its cursor when the run began."""
    moves: dict[tuple[int, int, int, int], list[int]] = field(default_factory=dict)
    """(old mark, old count, new mark, new count) → idle facilities whose cursor moves so."""

    @classmethod
    def read(cls, facilities: list[Facility], now: datetime) -> ValueMarks:
        """The settled mark at ``now`` and one grouped query per distinct mark: the cursors'
        own and the settled one (usually one or two marks, a few minutes of values each)."""
        run = ScreeningRun.objects.filter(at__lte=now - SETTLE).order_by("-at").first()
        marks = cls() if run is None else cls(run.high_id, run.at)
        rows = ScreeningCursor.objects.filter(facility__in=facilities).values_list(
            "facility_id", "fingerprint", "value_mark", "value_count"
        )
        marks.cursors = {f: (fp, mark, n) for f, fp, mark, n in rows}
        wanted = {mark for _, mark, _ in marks.cursors.values() if mark is not None}
        marks.above = values_above(wanted | (set() if run is None else {run.high_id}))
        return marks

    def idle(self, facility_id: int, fingerprint: str) -> bool:
        """Whether a facility has nothing new under an unchanged rule set, by its cursor when the
        run began (then it needs no lock); its cursor's move is kept for :meth:`save_moves`."""
        fp, mark, n = self.cursors.get(facility_id, ("", None, 0))
        if not fp or fp != fingerprint or mark is None or mark not in self.above:
            return False
        if self.count(mark, facility_id) != n:
            return False
        if self.settled is not None and self.settled > mark:
            key = (mark, n, self.settled, self.count(self.settled, facility_id))
            self.moves.setdefault(key, []).append(facility_id)
        return True

    def save_moves(self) -> None:
        """Move the idle facilities' marks, one update per distinct move (usually one); a cursor
        that another run changed meanwhile is left as that run wrote it."""
        for (mark, n, new_mark, new_n), facility_ids in self.moves.items():
            ScreeningCursor.objects.filter(
                facility_id__in=facility_ids, value_mark=mark, value_count=n
            ).update(value_mark=new_mark, value_count=new_n)
        self.moves.clear()

    def count(self, mark: int, facility_id: int) -> int:
        found = self.above[mark].get(facility_id)
        return 0 if found is None else found.count

    def moved(self, cursor: ScreeningCursor) -> tuple[int | None, int]:
        """(value mark, value count) of a cursor just screened, or found with nothing new."""
        mark = cursor.value_mark
        if self.settled is not None and (mark is None or self.settled > mark):
            return self.settled, self.count(self.settled, cursor.facility_id)
        if mark is not None and mark in self.above:
            return mark, self.count(mark, cursor.facility_id)
        return None, 0  # the mark changed under this run: the next one falls back once


__all__ = ["SETTLE", "NewValues", "ValueMarks", "high_value_id", "values_above"]
