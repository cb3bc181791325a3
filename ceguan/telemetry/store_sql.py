"""The telemetry store's SQL: one code path per database, below the ORM (the receiver's hot path).

:mod:`ceguan.telemetry.store` decides what to write; this module reads the stored values a batch
touches and writes the rows, inside the caller's transaction (Django's connection):

* PostgreSQL: ``COPY … (FORMAT BINARY)`` with the column types given, so psycopg packs numbers
  and times in C instead of formatting text (about 0.7 µs per row instead of 5 µs); the stored
  values are read by joining the batch's exact (facility, kind, data time) triples, passed as
  three binary arrays, to the table, so each triple is one index probe in one monthly partition.
* SQLite: one prepared ``executemany`` per table on the raw ``sqlite3`` connection, times turned
  into Django's stored text once per distinct instant; the lookup joins a ``VALUES`` list.

Value ids are left to the database (identity / rowid); raw-frame ids are reserved first because
the values name their frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection

from ceguan.telemetry.models import RawFrame, TelemetryValue

FRAME_TABLE = RawFrame._meta.db_table
VALUE_TABLE = TelemetryValue._meta.db_table

FRAME_COLUMNS = (
    "id", "received_at", "peer", "mn", "facility_id", "cn", "qn", "protocol", "crc_variant",
    "outcome", "reason", "raw", "sha256",
)  # fmt: skip
#: PostgreSQL types of FRAME_COLUMNS for binary COPY (varchar shares text's binary format).
FRAME_TYPES = (
    "int8", "timestamptz", "text", "text", "int8", "text", "text", "text", "text",
    "text", "text", "bytea", "text",
)  # fmt: skip
VALUE_COLUMNS = (
    "facility_id", "pollutant", "kind", "data_time", "revision", "current", "value",
    "minimum", "maximum", "cumulative", "converted", "flag", "source", "frame_id", "received_at",
)  # fmt: skip
VALUE_TYPES = (
    "int8", "text", "text", "timestamptz", "int2", "bool", "float8",
    "float8", "float8", "float8", "float8", "text", "text", "int8", "timestamptz",
)  # fmt: skip
#: Read back to compare: id, facility, pollutant, kind, data time, revision, source, COMPARED.
_READ = (
    'v."id", v."facility_id", v."pollutant", v."kind", v."data_time", v."revision", '
    'v."source", v."value", v."minimum", v."maximum", v."cumulative", v."converted", v."flag"'
)
_SQLITE_CHUNK = 5000  # triples per lookup: 3 parameters each, SQLite allows 32766


class Current(NamedTuple):
    """The current stored value of one key: what a new value is compared with."""

    id: int
    revision: int
    numbers: tuple[object, ...]
    derived: bool


_TEXT: dict[datetime, str] = {}
_TEXT_MAX = 65536


def sqlite_time(value: datetime) -> str:
    """An aware datetime as Django stores it in SQLite: naive UTC, ``str()`` — the same text
    ``connection.ops.adapt_datetimefield_value`` gives, without its per-call settings checks.
    A naive datetime is taken as UTC.

    Remembered: a frame's receive time is written three times (frame, values, link) and a data
    time once per value, and formatting costs ten dictionary lookups.
    """
    text = _TEXT.get(value)
    if text is None:
        if len(_TEXT) >= _TEXT_MAX:
            _TEXT.clear()
        text = _TEXT[value] = str(_naive_utc(value))
    return text


def clean_text(value: str) -> str:
    """``value`` storable in a text column: PostgreSQL refuses NUL characters, which a device
    can put in a CRC-valid frame's MN, QN or flag (the raw bytes keep them as received)."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _naive_utc(value: datetime) -> datetime:
    tz = value.tzinfo
    if tz is None:
        return value
    if tz is UTC:  # the receiver's clock: no conversion needed
        return value.replace(tzinfo=None)
    return value.astimezone(UTC).replace(tzinfo=None)


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _raw() -> object:
    """The DB-API connection under Django's, in Django's current transaction."""
    connection.ensure_connection()
    return connection.connection


def log_statement(sql: str) -> None:
    """Record a statement run on the raw connection where Django records its own (when
    ``connection.queries_logged``: DEBUG, or tests counting queries), so counts stay true."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": "0.000"})


# --- reading ------------------------------------------------------------------------------------


def current_values(
    wanted: set[tuple[int, str, datetime]],
) -> dict[tuple[int, str, str, datetime], Current]:
    """Current stored values for the (facility, kind, data time) triples, keyed by
    (facility, pollutant, kind, data time) with the caller's own datetime objects."""
    if not wanted:
        return {}
    derived = "derived"
    found: dict[tuple[int, str, str, datetime], Current] = {}
    if _is_postgresql():
        import psycopg

        facilities, kinds, times = (list(column) for column in zip(*wanted, strict=True))
        # LATERAL … OFFSET 0 keeps this a nested loop of index probes: as a plain join the
        # planner, guessing the arrays' size, picks a parallel hash or merge join over whole
        # partitions (measured: 30 ms instead of 2 ms of server time for 500 triples).
        sql = (
            f"SELECT {_READ} FROM unnest(%b::int8[], %b::text[], %b::timestamptz[]) "  # noqa: S608
            f'AS k(f, kd, t) CROSS JOIN LATERAL (SELECT * FROM "{VALUE_TABLE}" x '
            'WHERE x."facility_id" = k.f AND x."kind" = k.kd AND x."data_time" = k.t '
            'AND x."current" OFFSET 0) v'
        )
        log_statement(sql)
        with psycopg.Cursor(_raw()) as cursor:  # type: ignore[arg-type]
            cursor.execute(sql, [facilities, kinds, times])
            for row in cursor:
                found[(row[1], row[2], row[3], row[4])] = Current(
                    row[0], row[5], tuple(row[7:]), row[6] == derived
                )
        return found
    # Django's sqlite3 connection turns "datetime" columns into naive UTC datetimes.
    by_stored: dict[object, datetime] = {}
    text: dict[datetime, str] = {}
    for _, _, t in wanted:
        if t not in text:
            naive = _naive_utc(t)
            text[t] = stored = str(naive)
            by_stored[stored] = by_stored[naive] = t
    triples = [(f, k, text[t]) for f, k, t in wanted]
    raw = _raw()
    for start in range(0, len(triples), _SQLITE_CHUNK):
        chunk = triples[start : start + _SQLITE_CHUNK]
        keys = ", ".join(["(?, ?, ?)"] * len(chunk))
        sql = (
            # CROSS JOIN: SQLite keeps the written order, the triples outside, one probe each.
            f'SELECT {_READ} FROM (VALUES {keys}) AS k CROSS JOIN "{VALUE_TABLE}" v '  # noqa: S608
            'WHERE v."facility_id" = k.column1 AND v."kind" = k.column2 '
            'AND v."data_time" = k.column3 AND v."current"'
        )
        params = [p for triple in chunk for p in triple]
        log_statement(sql)
        for row in raw.execute(sql, params):  # type: ignore[attr-defined]
            key = (row[1], row[2], row[3], by_stored[row[4]])
            found[key] = Current(row[0], row[5], tuple(row[7:]), row[6] == derived)
    return found


# --- writing ------------------------------------------------------------------------------------


def allocate_frame_ids(count: int) -> list[int]:
    """Reserve ``count`` raw-frame ids (the values of the batch name their frame)."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if _is_postgresql():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [FRAME_TABLE, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so max(id) is ours.
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{FRAME_TABLE}"')  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def storable_frames(rows: Iterable[tuple[object, ...]]) -> list[list[object]]:
    """Raw-frame rows (columns :data:`FRAME_COLUMNS`) as :func:`insert_frames` takes them."""
    return _storable(rows, (1,))


def storable_values(rows: Iterable[tuple[object, ...]]) -> list[list[object]]:
    """Value rows (columns :data:`VALUE_COLUMNS`) as :func:`insert_values` takes them."""
    return _storable(rows, (3, 14))


def _storable(rows: Iterable[tuple[object, ...]], times: tuple[int, ...]) -> list[list[object]]:
    """Lists (ids are filled in later); on SQLite with the datetimes as its stored text."""
    if _is_postgresql():
        return [list(row) for row in rows]
    return _sqlite_rows(rows, times)


def insert_frames(rows: Sequence[Sequence[object]]) -> None:
    """Append raw frames (rows from :func:`storable_frames`)."""
    _insert(FRAME_TABLE, FRAME_COLUMNS, FRAME_TYPES, rows)


def insert_values(rows: Sequence[Sequence[object]]) -> None:
    """Append values (rows from :func:`storable_values`; value ids from the database)."""
    _insert(VALUE_TABLE, VALUE_COLUMNS, VALUE_TYPES, rows)


def _insert(
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    log_statement(f'INSERT INTO "{table}" ({names}) …')
    # Django's exceptions (IntegrityError …) for the raw connection's, as for its own cursors.
    with connection.wrap_database_errors:
        _insert_raw(table, names, types, rows)


def _insert_raw(
    table: str, names: str, types: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    if _is_postgresql():
        import psycopg

        with (
            psycopg.Cursor(_raw()) as cursor,  # type: ignore[arg-type]
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)') as copy,
        ):
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(types))
    _raw().executemany(  # type: ignore[attr-defined]
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608
        rows,
    )


def _sqlite_rows(rows: Iterable[tuple[object, ...]], times: tuple[int, ...]) -> list[list[object]]:
    """Rows with their datetimes as SQLite text (:func:`sqlite_time`)."""
    out = []
    for row in rows:
        row = list(row)
        for i in times:
            moment = row[i]
            if moment is not None:
                row[i] = sqlite_time(moment)  # type: ignore[arg-type]
        out.append(row)
    return out


def supersede(rows: Sequence[tuple[int, datetime]]) -> None:
    """Mark stored values (id, data time) as no longer current: a revision replaced them."""
    if not rows:
        return
    with connection.cursor() as cursor:
        # The partition key in the WHERE lets PostgreSQL go straight to the right month.
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f'UPDATE "{VALUE_TABLE}" SET "current" = %s WHERE "id" = %s AND "data_time" = %s',  # noqa: S608
            [(False, row_id, adapt(data_time)) for row_id, data_time in rows],
        )
