"""Batched, idempotent writes into the telemetry store.

One call writes a batch of frames in one transaction: every raw frame (as evidence), the values
that are new, and a revision beside any value that a frame re-sends with different numbers.
PostgreSQL gets ``COPY``; SQLite gets ``executemany`` in the same transaction. The caller
acknowledges a frame only after this function returned (architecture.md: ack after commit).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from django.db import connection, transaction

from ceguan.telemetry.choices import FrameOutcome, ValueSource
from ceguan.telemetry.models import RawFrame, TelemetryValue

#: The columns compared to tell a duplicate from a revision.
COMPARED = ("value", "minimum", "maximum", "cumulative", "converted", "flag")


@dataclass(frozen=True)
class IncomingValue:
    """One value as parsed from a frame or a file, pollutant named as in the glossary."""

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
        return _numbers(self)


_numbers = attrgetter(*COMPARED)


@dataclass
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


@dataclass
class WriteResult:
    """What happened to one frame: its outcome, the raw frame's id, and value counts."""

    outcome: str
    frame_id: int
    new_values: int = 0
    duplicate_values: int = 0
    revised_values: int = 0


@dataclass
class _Current:
    id: int
    revision: int
    numbers: tuple[object, ...]
    data_time: datetime
    derived: bool = False


@dataclass
class _Plan:
    frames: list[tuple[int, IncomingFrame, str]] = field(default_factory=list)
    values: list[tuple[object, ...]] = field(default_factory=list)
    superseded: list[tuple[int, datetime]] = field(default_factory=list)


def _current_values(frames: Sequence[IncomingFrame]) -> dict[tuple, _Current]:
    """The current stored value for every key the batch touches, in one query per facility set."""
    wanted: dict[int, set[datetime]] = defaultdict(set)
    kinds: set[str] = set()
    for frame in frames:
        if frame.facility_id is not None:
            for value in frame.values:
                wanted[frame.facility_id].add(value.data_time)
                kinds.add(value.kind)
    if not wanted:
        return {}
    times = {t for group in wanted.values() for t in group}
    # kind too, so that (facility, kind, data_time) — the telemetry_series index — is a seek:
    # without it both databases read each facility's whole history per batch.
    rows = TelemetryValue.objects.filter(
        facility_id__in=list(wanted),
        kind__in=sorted(kinds),
        data_time__in=list(times),
        current=True,
    ).values_list(
        "id", "facility_id", "pollutant", "kind", "data_time", "revision", "source", *COMPARED
    )
    return {
        (row[1], row[2], row[3], row[4]): _Current(
            row[0], row[5], tuple(row[7:]), row[4], row[6] == ValueSource.DERIVED
        )
        for row in rows
    }


def _allocate_ids(model: type, count: int) -> list[int]:
    """Reserve ``count`` primary keys so frames and their values can be written in bulk."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so max(id) is ours.
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _plan(frames: Sequence[IncomingFrame], frame_ids: list[int]) -> tuple[_Plan, list[WriteResult]]:
    current = _current_values(frames)
    plan, results = _Plan(), []
    for frame_id, frame in zip(frame_ids, frames, strict=True):
        result = WriteResult(outcome=frame.outcome, frame_id=frame_id)
        if frame.facility_id is not None and not frame.outcome:
            for value in frame.values:
                key = value.key(frame.facility_id)
                existing = current.get(key)
                if existing is not None and existing.numbers == value.numbers():
                    result.duplicate_values += 1
                    continue
                revision = 0
                if existing is not None:
                    revision = existing.revision + 1
                    plan.superseded.append((existing.id, existing.data_time))
                if existing is not None and not existing.derived:
                    result.revised_values += 1
                else:
                    # A device value replacing one Ceguan computed is news, not rewritten history.
                    result.new_values += 1
                plan.values.append((frame.facility_id, value, revision, frame_id, frame))
                current[key] = _Current(-1, revision, value.numbers(), value.data_time)
            if result.revised_values:
                result.outcome = FrameOutcome.REVISION
            elif result.new_values or not frame.values:
                result.outcome = FrameOutcome.STORED
            else:
                result.outcome = FrameOutcome.DUPLICATE
        result.outcome = result.outcome or FrameOutcome.OTHER
        plan.frames.append((frame_id, frame, result.outcome))
        results.append(result)
    return plan, results


FRAME_COLUMNS = (
    "id", "received_at", "peer", "mn", "facility_id", "cn", "qn", "protocol", "crc_variant",
    "outcome", "reason", "raw", "sha256",
)  # fmt: skip
VALUE_COLUMNS = (
    "id", "facility_id", "pollutant", "kind", "data_time", "revision", "current", "value",
    "minimum", "maximum", "cumulative", "converted", "flag", "source", "frame_id", "received_at",
)  # fmt: skip


def _frame_rows(plan: _Plan) -> Iterable[tuple[object, ...]]:
    for frame_id, frame, outcome in plan.frames:
        yield (
            frame_id, frame.received_at, frame.peer[:64], frame.mn[:32], frame.facility_id,
            frame.cn[:8], frame.qn[:24], frame.protocol[:8], frame.crc_variant[:20], outcome,
            frame.reason[:200], frame.raw, hashlib.sha256(frame.raw).hexdigest(),
        )  # fmt: skip


def _value_rows(plan: _Plan, ids: list[int]) -> Iterable[tuple[object, ...]]:
    for value_id, (facility_id, value, revision, frame_id, frame) in zip(
        ids, plan.values, strict=True
    ):
        yield (
            value_id, facility_id, value.pollutant, value.kind, value.data_time, revision, True,
            value.value, value.minimum, value.maximum, value.cumulative, value.converted,
            value.flag, frame.source, frame_id, frame.received_at,
        )  # fmt: skip


def _insert(table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("%s" for _ in columns)
        adapt = connection.ops.adapt_datetimefield_value
        seen: dict[datetime, object] = {}  # a batch repeats the same few times

        def sqlite_value(v: object) -> object:
            if not isinstance(v, datetime):
                return v
            text = seen.get(v)
            if text is None:
                text = seen[v] = adapt(v)
            return text

        cursor.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
            [tuple(map(sqlite_value, row)) for row in rows],
        )


def _supersede(rows: list[tuple[int, datetime]]) -> None:
    if not rows:
        return
    table = TelemetryValue._meta.db_table
    with connection.cursor() as cursor:
        # The partition key in the WHERE lets PostgreSQL go straight to the right month.
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f'UPDATE "{table}" SET "current" = %s WHERE "id" = %s AND "data_time" = %s',  # noqa: S608
            [(False, row_id, adapt(data_time)) for row_id, data_time in rows],
        )


def write_frames(frames: Sequence[IncomingFrame]) -> list[WriteResult]:
    """Store a batch of frames in one transaction and say what happened to each."""
    if not frames:
        return []
    with transaction.atomic():
        frame_ids = _allocate_ids(RawFrame, len(frames))
        plan, results = _plan(frames, frame_ids)
        _insert(RawFrame._meta.db_table, FRAME_COLUMNS, _frame_rows(plan))
        _supersede(plan.superseded)
        value_ids = _allocate_ids(TelemetryValue, len(plan.values))
        _insert(TelemetryValue._meta.db_table, VALUE_COLUMNS, _value_rows(plan, value_ids))
    return results
