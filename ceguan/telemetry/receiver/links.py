"""Per-batch upserts: ``FacilityLink`` counters and ``UnregisteredDevice`` sightings.

Each is one ``INSERT … ON CONFLICT … DO UPDATE`` statement per batch (SQLite ≥ 3.24 and
PostgreSQL share the syntax), run inside the batch's transaction so the counters move together
with the frames they count. Rows are aggregated per facility / MN first: one statement may not
touch a row twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from ceguan.telemetry.models import FacilityLink, UnregisteredDevice
from ceguan.telemetry.store_sql import clean_text, log_statement, sqlite_time


@dataclass(slots=True)
class LinkDelta:
    """What one batch adds to a facility's link."""

    last_seen: datetime | None = None
    """Latest receive time of an authenticated frame (None: only rejected frames)."""
    last_data_time: datetime | None = None
    peer: str = ""
    protocol: str = ""
    frames: int = 0
    duplicates: int = 0
    revisions: int = 0
    rejected: int = 0

    def seen(self, received_at: datetime, peer: str, protocol: str) -> None:
        if self.last_seen is None or received_at >= self.last_seen:
            self.last_seen, self.peer, self.protocol = received_at, peer, protocol

    def data(self, data_time: datetime) -> None:
        if self.last_data_time is None or data_time > self.last_data_time:
            self.last_data_time = data_time


@dataclass(slots=True)
class Sighting:
    """What one batch saw of an unregistered MN."""

    first_seen: datetime
    last_seen: datetime
    peer: str
    last_cn: str
    frames: int = 0

    def add(self, received_at: datetime, peer: str, cn: str) -> None:
        self.frames += 1
        self.first_seen = min(self.first_seen, received_at)
        if received_at >= self.last_seen:
            self.last_seen, self.peer, self.last_cn = received_at, peer, cn


LINK_COLUMNS = (
    "facility_id", "last_seen", "last_data_time", "peer", "protocol", "connected",
    "frames", "duplicates", "revisions", "rejected",
)  # fmt: skip
#: PostgreSQL array types of LINK_COLUMNS, for ``unnest``.
LINK_TYPES = (
    "bigint", "timestamptz", "timestamptz", "text", "text", "boolean",
    "bigint", "bigint", "bigint", "bigint",
)  # fmt: skip


def _later(t: str, src: str, column: str) -> str:
    """SQL keeping the later of the stored and the incoming time (NULL never wins)."""
    mine, theirs = f'"{t}"."{column}"', f'{src}."{column}"'
    return (
        f'"{column}" = CASE WHEN {theirs} IS NULL THEN {mine} '
        f"WHEN {mine} IS NULL OR {theirs} > {mine} THEN {theirs} ELSE {mine} END"
    )


def _link_assignments(t: str, src: str) -> str:
    """The SET list folding a batch's row ``src`` into the stored link of table ``t``."""
    seen = [
        f'"{c}" = CASE WHEN {src}."last_seen" IS NULL THEN "{t}"."{c}" ELSE {src}."{c}" END'
        for c in ("peer", "protocol", "connected")
    ]
    counters = [
        f'"{c}" = "{t}"."{c}" + {src}."{c}"'
        for c in ("frames", "duplicates", "revisions", "rejected")
    ]
    return ", ".join(
        [_later(t, src, "last_seen"), _later(t, src, "last_data_time"), *seen, *counters]
    )


def _execute(sql: str, rows: list[tuple[object, ...]], width: int) -> None:
    marks = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for chunk in batched(rows, 1000):  # SQLite allows 32766 parameters per statement
            cursor.execute(sql.replace("{values}", ", ".join([marks] * len(chunk))), _flat(chunk))


def _flat(rows: list[tuple[object, ...]]) -> list[object]:
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(v) if isinstance(v, datetime) else v for row in rows for v in row]


def _sqlite_time(value: datetime | None) -> str | None:
    return None if value is None else sqlite_time(value)


def upsert_links(deltas: dict[int, LinkDelta]) -> None:
    """Add one batch's counts to ``FacilityLink`` rows (created when missing).

    One ``INSERT … ON CONFLICT ("facility_id") DO UPDATE`` for the whole batch, which also
    covers a link created meanwhile by another receiver. PostgreSQL gets it once, the rows as
    ten binary arrays through ``unnest`` (a long ``VALUES`` list with thousands of parameters
    costs more in client-side parameter handling than the upsert itself); SQLite runs the
    prepared statement once per facility (``executemany``). Rows go in facility order, so two
    receivers updating the same links lock them in the same order.
    """
    if not deltas:
        return
    t = FacilityLink._meta.db_table
    rows = [_link_row(facility_id, d) for facility_id, d in sorted(deltas.items())]
    columns = ", ".join(f'"{c}"' for c in LINK_COLUMNS)
    conflict = f'ON CONFLICT ("facility_id") DO UPDATE SET {_link_assignments(t, "excluded")}'
    connection.ensure_connection()
    log_statement(f'INSERT INTO "{t}" … {conflict}')
    if connection.vendor == "postgresql":
        import psycopg

        arrays = ", ".join(f"%b::{kind}[]" for kind in LINK_TYPES)
        sql = f'INSERT INTO "{t}" ({columns}) SELECT * FROM unnest({arrays}) {conflict}'  # noqa: S608
        # A plain psycopg cursor on Django's connection (same transaction): binary parameters.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return
    marks = ", ".join("?" * len(LINK_COLUMNS))
    sql = f'INSERT INTO "{t}" ({columns}) VALUES ({marks}) {conflict}'  # noqa: S608
    t_ = _sqlite_time
    connection.connection.executemany(sql, [(r[0], t_(r[1]), t_(r[2]), *r[3:]) for r in rows])


def _link_row(facility_id: int, d: LinkDelta) -> tuple[object, ...]:
    return (
        facility_id, d.last_seen, d.last_data_time, d.peer[:64], d.protocol[:8],
        d.last_seen is not None, d.frames, d.duplicates, d.revisions, d.rejected,
    )  # fmt: skip


def upsert_unregistered(sightings: dict[str, Sighting]) -> None:
    """Record MNs that are in no facility: first/last seen, peer, frame count, last CN."""
    if not sightings:
        return
    t = UnregisteredDevice._meta.db_table
    sql = (
        f'INSERT INTO "{t}" ("mn", "first_seen", "last_seen", "peer", "frames", "last_cn") '  # noqa: S608
        f'VALUES {{values}} ON CONFLICT ("mn") DO UPDATE SET '
        f'"first_seen" = CASE WHEN excluded."first_seen" < "{t}"."first_seen" '
        f'THEN excluded."first_seen" ELSE "{t}"."first_seen" END, '
        f'"peer" = CASE WHEN excluded."last_seen" >= "{t}"."last_seen" '
        f'THEN excluded."peer" ELSE "{t}"."peer" END, '
        f'"last_cn" = CASE WHEN excluded."last_seen" >= "{t}"."last_seen" '
        f'THEN excluded."last_cn" ELSE "{t}"."last_cn" END, '
        f"{_later(t, 'excluded', 'last_seen')}, "
        f'"frames" = "{t}"."frames" + excluded."frames"'
    )
    rows = [
        (
            clean_text(mn[:32]),
            s.first_seen,
            s.last_seen,
            s.peer[:64],
            s.frames,
            clean_text(s.last_cn[:8]),
        )
        for mn, s in sorted(sightings.items())
    ]
    _execute(sql, rows, 6)


def batched(items: Iterable[tuple[object, ...]], size: int) -> Iterable[list[tuple[object, ...]]]:
    """Consecutive chunks of at most ``size`` items."""
    chunk: list[tuple[object, ...]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
