"""Whether an enterprise's data marking is backed by an operations record or a reported fault.

Data flagged M (maintenance), C (calibration) or D (fault) is not used to judge exceedance
(MEE Announcement 2022 No. 21: validly marked data are not a basis for exceedance). A marking is
valid here only when it is *backed*: an operations record (运维记录) or fault report of the
matching kind covers the marked time, and was reported by the time of judgement. An unbacked
marking that removes an exceedance is itself an anomaly (issue 4 §3; rule
``marking_hides_exceedance``). Pure: no Django; the records come in as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: HJ 212-2017 Table 8 flag letter → the kind of record that backs it (M 维护, C 校准, D 故障).
FLAG_KINDS: dict[str, str] = {"M": "maintenance", "C": "calibration", "D": "fault"}
#: Evidence words: a fully backed marking, and the anomaly (kept as the runner stored it).
BACKED = "backed"
UNBACKED = "unbacked marking"


@dataclass(frozen=True)
class Mark:
    """One marked value: its data time (start of its period, aware UTC) and HJ 212 flag."""

    time: datetime
    flag: str


@dataclass(frozen=True)
class BackingRecord:
    """An operations record or reported fault, as :func:`is_backed` needs it."""

    start: datetime
    end: datetime
    kind: str
    """``maintenance``, ``calibration`` or ``fault`` (:data:`FLAG_KINDS`)."""
    reported_at: datetime
    reference: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Backing:
    """The judgement of a set of marks: which are backed, by which records, which are not."""

    backed: tuple[tuple[Mark, tuple[BackingRecord, ...]], ...] = ()
    unbacked: tuple[Mark, ...] = ()
    records: tuple[BackingRecord, ...] = field(default=())
    """Every record that backs at least one mark, in start order."""

    @property
    def is_backed(self) -> bool:
        """True when every mark is backed (and there is at least one mark)."""
        return bool(self.backed) and not self.unbacked

    def late(self, interval: timedelta) -> tuple[BackingRecord, ...]:
        """Records reported after the end of the last mark they back (shown, not refused)."""
        out = []
        for record in self.records:
            ends = [m.time + interval for m, used in self.backed if record in used]
            if ends and record.reported_at > max(ends):
                out.append(record)
        return tuple(out)

    def as_evidence(self, interval: timedelta) -> dict[str, Any]:
        """What an alarm's evidence keeps: the verdict, unbacked hours and the records used."""
        return {
            "backing": BACKED if self.is_backed else UNBACKED,
            "marks": len(self.backed) + len(self.unbacked),
            "unbacked_times": [_iso(m.time) for m in self.unbacked],
            "backing_records": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "reference": r.reference,
                    "start": _iso(r.start),
                    "end": _iso(r.end),
                    "reported_at": _iso(r.reported_at),
                }
                for r in self.records
            ],
            "late_records": [r.id for r in self.late(interval)],
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def backing(
    marks: Iterable[Mark],
    records: Sequence[BackingRecord],
    *,
    interval: timedelta = timedelta(hours=1),
    as_of: datetime | None = None,
) -> Backing:
    """Judge each mark against the records; see :func:`is_backed` for the rule.

    Parameters
    ----------
    marks : iterable of Mark
        Marked values; flags other than M, C, D are not markings and are ignored.
    records : sequence of BackingRecord
        The facility's operations records and fault reports.
    interval : timedelta, default 1 h
        Period each value covers from its data time (hourly data: one hour).
    as_of : datetime, optional
        Time of judgement; records reported after it are not considered.

    Examples
    --------
    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
    >>> rec = BackingRecord(t0, t0 + timedelta(minutes=90), "maintenance", t0, "YW-1", 7)
    >>> b = backing([Mark(t0, "M"), Mark(t0 + timedelta(hours=1), "M"),
    ...              Mark(t0 + timedelta(hours=2), "M")], [rec])
    >>> len(b.backed), [m.time.hour for m in b.unbacked]
    (2, [10])
    """
    usable = [r for r in records if as_of is None or r.reported_at <= as_of]
    backed: list[tuple[Mark, tuple[BackingRecord, ...]]] = []
    unbacked: list[Mark] = []
    used: dict[int, BackingRecord] = {}
    for mark in sorted(marks, key=lambda m: m.time):
        kind = FLAG_KINDS.get(mark.flag.upper())
        if kind is None:
            continue
        covering = tuple(
            r
            for r in usable
            if r.kind == kind and r.start < mark.time + interval and r.end > mark.time
        )
        if covering:
            backed.append((mark, covering))
            used.update({id(r): r for r in covering})
        else:
            unbacked.append(mark)
    ordered = tuple(sorted(used.values(), key=lambda r: (r.start, r.id or 0)))
    return Backing(tuple(backed), tuple(unbacked), ordered)


def is_backed(
    marks: Iterable[Mark],
    records: Sequence[BackingRecord],
    *,
    interval: timedelta = timedelta(hours=1),
    as_of: datetime | None = None,
) -> bool:
    """True when every marked value is backed by a record of its kind that overlaps it.

    A mark at data time ``t`` with flag M, C or D is backed by a record of kind maintenance,
    calibration or fault (:data:`FLAG_KINDS`) whose period overlaps ``[t, t + interval)``
    (``start < t + interval`` and ``end > t``) and that was reported by ``as_of``. No marks at
    all is not a backed marking (False): there is nothing to back.

    References
    ----------
    HJ 212-2017 Table 8 (flags M, C, D); MEE Announcement 2022 No. 21 (validly marked data are
    not a basis for judging exceedance).

    Examples
    --------
    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
    >>> fault = BackingRecord(t0, t0 + timedelta(hours=2), "fault", t0)
    >>> is_backed([Mark(t0, "D"), Mark(t0 + timedelta(hours=1), "D")], [fault])
    True
    >>> is_backed([Mark(t0, "M")], [fault])  # a fault report does not back maintenance
    False
    """
    return backing(marks, records, interval=interval, as_of=as_of).is_backed
