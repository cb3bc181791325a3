"""Operations records in screening: load a facility's records and judge a marked episode.

The runner calls :func:`marking_backing` for each episode of ``marking_hides_exceedance``: a
fully backed marking validly removes the exceedance (no alarm); otherwise the alarm's evidence
gets :meth:`~ceguan.screening.backing.Backing.as_evidence` (``"backing": "unbacked marking"``,
the unbacked hours and any records that back part of it). The rule itself is the pure
:func:`ceguan.screening.backing.is_backed`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ceguan.screening.backing import FLAG_KINDS, Backing, BackingRecord, Mark, backing
from ceguan.screening.episode import Episode
from ceguan.screening.models import OperationsRecord

HOUR = timedelta(hours=1)


def records_for(facility_id: int, start: datetime, end: datetime) -> list[BackingRecord]:
    """The facility's records whose period overlaps ``[start, end)``."""
    rows = OperationsRecord.objects.filter(
        facility_id=facility_id, start__lt=end, end__gt=start
    ).order_by("start", "pk")
    return [BackingRecord(r.start, r.end, r.kind, r.reported_at, r.reference, r.pk) for r in rows]


def _aware(moment: Any) -> datetime:
    return datetime.fromisoformat(f"{np.datetime64(moment, 's')}").replace(tzinfo=UTC)


def episode_marks(episode: Episode, times: Any, flags: Any) -> list[Mark]:
    """The marked values (flags M, C, D) of a series inside ``episode`` (both ends included)."""
    t = np.asarray(times, dtype="datetime64[s]")
    f = np.asarray(flags).astype(str)
    inside = (t >= episode.start) & (t <= episode.end)
    marked = inside & np.isin(np.char.upper(f), list(FLAG_KINDS))
    return [Mark(_aware(t[i]), str(f[i]).upper()) for i in np.flatnonzero(marked)]


def marking_backing(
    facility_id: int,
    episode: Episode,
    times: Any,
    flags: Any,
    *,
    as_of: datetime,
    interval: timedelta = HOUR,
) -> Backing:
    """Judge the marks of ``episode`` (from the series ``times``/``flags``) against the records.

    Records reported after ``as_of`` (the screening run's ``now``) are not considered.
    """
    marks = episode_marks(episode, times, flags)
    if not marks:
        return backing([], [])
    records = records_for(facility_id, marks[0].time, marks[-1].time + interval)
    return backing(marks, records, interval=interval, as_of=as_of)


def records_overlapping(alarm: Any) -> list[OperationsRecord]:
    """Records of the alarm's facility overlapping its episode (for the alarm page)."""
    return list(
        OperationsRecord.objects.filter(
            facility_id=alarm.facility_id,
            start__lt=alarm.episode_end + HOUR,
            end__gt=alarm.episode_start,
        ).order_by("start", "pk")
    )
