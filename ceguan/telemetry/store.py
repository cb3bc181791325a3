"""Batched, idempotent writes into the telemetry store.

One call writes a batch of frames in one transaction: every raw frame (as evidence, with its
SHA-256), the values that are new, and a revision beside any value that a frame re-sends with
different numbers (architecture.md "Storage": rewritten history is evidence). The caller
acknowledges a frame only after this function returned (ack after commit).

This is the receiver's hot path, so it stays below the ORM: the stored values a batch touches are
read in one query keyed by exact (facility, kind, data time) triples, the rows are prepared as
plain tuples, and the database-specific writing is in :mod:`ceguan.telemetry.store_sql` (binary
``COPY`` on PostgreSQL, one prepared ``executemany`` per table on SQLite).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import transaction

from ceguan.telemetry import store_sql
from ceguan.telemetry.choices import FrameOutcome, ValueSource

#: The columns compared to tell a duplicate from a revision.
COMPARED = ("value", "minimum", "maximum", "cumulative", "converted", "flag")


class IncomingValue(NamedTuple):
    """One value as parsed from a frame or a file, pollutant named as in the glossary.

    A named tuple, not a dataclass: the receiver makes several per frame, thousands per second.
    """

    pollutant: str
    kind: str
    data_time: datetime
    value: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    cumulative: float | None = None
    converted: float | None = None
    flag: str = ""

    def key(self, facility_id: int) -> tuple[int, str, str, datetime]:
        return (facility_id, self.pollutant, self.kind, self.data_time)

    def numbers(self) -> tuple[object, ...]:
        """The :data:`COMPARED` fields, in that order."""
        return self[3:9]


@dataclass(slots=True)
class IncomingFrame:
    """A frame to store. ``facility_id`` is set once the MN was authenticated.

    ``outcome`` is preset for frames that carry no data to store (rejected, unregistered,
    answers); for data frames the store decides stored / duplicate / revision.
    """

    received_at: datetime
    peer: str
    raw: bytes
    mn: str = ""
    cn: str = ""
    qn: str = ""
    protocol: str = ""
    crc_variant: str = ""
    facility_id: int | None = None
    values: Sequence[IncomingValue] = ()
    outcome: str = ""
    reason: str = ""
    source: str = ValueSource.DEVICE


@dataclass(slots=True)
class WriteResult:
    """What happened to one frame: its outcome, the raw frame's id, and value counts."""

    outcome: str
    frame_id: int
    new_values: int = 0
    duplicate_values: int = 0
    revised_values: int = 0


@dataclass(slots=True)
class _Plan:
    """The rows of one batch, ready for :mod:`.store_sql` (column orders as there)."""

    frames: list[tuple[object, ...]] = field(default_factory=list)
    values: list[tuple[object, ...]] = field(default_factory=list)
    superseded: list[tuple[int, datetime]] = field(default_factory=list)


_STORED, _DUPLICATE, _REVISION, _OTHER = (
    FrameOutcome.STORED.value, FrameOutcome.DUPLICATE.value, FrameOutcome.REVISION.value,
    FrameOutcome.OTHER.value,
)  # fmt: skip
_CURRENT = 5  # index of "current" in store_sql.VALUE_COLUMNS
_FRAME_ID = 13  # index of "frame_id" in store_sql.VALUE_COLUMNS


def _wanted(frames: Sequence[IncomingFrame]) -> set[tuple[int, str, datetime]]:
    """The (facility, kind, data time) triples whose stored values the batch must compare."""
    wanted: set[tuple[int, str, datetime]] = set()
    for frame in frames:
        facility_id = frame.facility_id
        if facility_id is not None and not frame.outcome:
            for value in frame.values:
                wanted.add((facility_id, value.kind, value.data_time))
    return wanted


def _plan(
    frames: Sequence[IncomingFrame], frame_ids: Sequence[int]
) -> tuple[_Plan, list[WriteResult]]:
    """Decide stored / duplicate / revision for every frame and value, and build the rows.

    Read-only (one query); ``frame_ids`` are the ids the raw frames will get. A value whose
    (facility, pollutant, kind, data time) has no current stored value is new; one whose numbers
    and flag equal the current value is a duplicate; otherwise it is the next revision and the
    current one is superseded. A device value replacing one Ceguan derived is new, not a
    revision (rewritten history is the device's, not ours). Keys repeated inside the batch are
    compared with the batch's own earlier value.
    """
    current = store_sql.current_values(_wanted(frames))
    plan, results = _Plan(), []
    frame_rows, value_rows, superseded = plan.frames, plan.values, plan.superseded
    for frame_id, frame in zip(frame_ids, frames, strict=True):
        result = WriteResult(frame.outcome, frame_id)
        facility_id = frame.facility_id
        if facility_id is not None and not frame.outcome:
            source, received_at = frame.source, frame.received_at
            new = revised = duplicate = 0
            for value in frame.values:
                key = (facility_id, value.pollutant, value.kind, value.data_time)
                existing = current.get(key)
                numbers = value[3:9]
                revision = 0
                if existing is not None:
                    existing_id, existing_revision, existing_numbers, derived = existing
                    if existing_numbers == numbers:
                        duplicate += 1
                        continue
                    revision = existing_revision + 1
                    if existing_id >= 0:
                        superseded.append((existing_id, value.data_time))
                    else:  # written earlier in this batch: that row is no longer current
                        at = -existing_id - 1
                        row = value_rows[at]
                        value_rows[at] = (*row[:_CURRENT], False, *row[_CURRENT + 1 :])
                    if derived:
                        new += 1  # a device value replacing one Ceguan computed is news
                    else:
                        revised += 1
                else:
                    new += 1
                # A plain tuple in Current's field order (cheaper than the named tuple); a
                # negative id names this batch's row: -1 - its index in value_rows.
                current[key] = (-len(value_rows) - 1, revision, numbers, False)  # type: ignore[assignment]
                row = (facility_id, value.pollutant, value.kind, value.data_time, revision, True,
                       *numbers, source, frame_id, received_at)  # fmt: skip
                if "\x00" in value.flag:
                    row = (*row[:11], store_sql.clean_text(value.flag), *row[12:])
                value_rows.append(row)
            result.new_values, result.duplicate_values = new, duplicate
            result.revised_values = revised
            if revised:
                result.outcome = _REVISION
            elif new or not frame.values:
                result.outcome = _STORED
            else:
                result.outcome = _DUPLICATE
        result.outcome = result.outcome or _OTHER
        raw, text = frame.raw, store_sql.clean_text
        frame_rows.append(
            (frame_id, frame.received_at, frame.peer[:64], text(frame.mn[:32]), facility_id,
             text(frame.cn[:8]), text(frame.qn[:24]), frame.protocol[:8], frame.crc_variant[:20],
             result.outcome, text(frame.reason[:200]), raw, hashlib.sha256(raw).hexdigest())
        )  # fmt: skip
        results.append(result)
    return plan, results


def preview_frames(frames: Sequence[IncomingFrame]) -> list[WriteResult]:
    """What :func:`write_frames` would do with ``frames`` now, writing nothing (frame ids 0)."""
    return _plan(frames, [0] * len(frames))[1]


@dataclass(slots=True)
class PreparedBatch:
    """A batch decided against the values stored when it was read, rows ready to write.

    Until :func:`write_prepared` the raw frames are numbered by their place in the batch
    (``frame_id`` of the results and of the rows); they get their ids when written.
    """

    frames: Sequence[IncomingFrame]
    frame_rows: list[list[object]]
    value_rows: list[list[object]]
    superseded: list[tuple[int, datetime]]
    results: list[WriteResult]
    written: bool = False


def prepare_frames(frames: Sequence[IncomingFrame]) -> PreparedBatch:
    """Read the stored values a batch touches, decide every frame and value, build the rows.

    Writes nothing and needs no transaction: the receiver prepares a batch before its turn at
    writing (:mod:`ceguan.telemetry.receiver.sqlite_writer`), so that the turn covers only the
    writes. What was read may be outdated by then only if another writer stored one of the
    same values meanwhile; the values' unique key then refuses the batch (``IntegrityError``)
    and the caller decides it again (:func:`write_frames`).
    """
    plan, results = _plan(frames, range(len(frames)))
    return PreparedBatch(
        frames,
        store_sql.storable_frames(plan.frames),
        store_sql.storable_values(plan.values),
        plan.superseded,
        results,
    )


def write_prepared(prepared: PreparedBatch) -> list[WriteResult]:
    """Write a prepared batch in the caller's transaction; its raw frames get their ids.

    Once: after a failed attempt (``IntegrityError``) decide the frames again.
    """
    if prepared.written:
        raise ValueError("a prepared batch is written once; prepare its frames again")
    prepared.written = True
    ids = store_sql.allocate_frame_ids(len(prepared.frames))
    for row in prepared.frame_rows:
        row[0] = ids[row[0]]  # type: ignore[call-overload]
    for row in prepared.value_rows:
        row[_FRAME_ID] = ids[row[_FRAME_ID]]  # type: ignore[call-overload]
    for result in prepared.results:
        result.frame_id = ids[result.frame_id]
    store_sql.insert_frames(prepared.frame_rows)
    store_sql.supersede(prepared.superseded)
    store_sql.insert_values(prepared.value_rows)
    return prepared.results


def write_frames(frames: Sequence[IncomingFrame]) -> list[WriteResult]:
    """Store a batch of frames in one transaction and say what happened to each."""
    if not frames:
        return []
    with transaction.atomic():
        return write_prepared(prepare_frames(frames))
