"""Monthly range partitions of the telemetry tables on PostgreSQL.

``RawFrame`` is partitioned by ``received_at`` and ``TelemetryValue`` by ``data_time``, one
partition per UTC calendar month (bounds are instants), with a DEFAULT partition catching
anything outside the months created (a device whose clock says 2099).
SQLite has no partitioning and needs none at demo scale; these functions do nothing there.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

#: Partitioned tables and their partition key.
PARTITIONED = {
    "telemetry_rawframe": "received_at",
    "telemetry_telemetryvalue": "data_time",
}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month, inclusive."""
    months, month = [], _month_start(first)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def ensure_partitions(first: date, last: date) -> list[str]:
    """Create the monthly partitions covering ``first``..``last`` that do not exist yet.

    A month whose rows already sit in the DEFAULT partition cannot be split off without moving
    them; it is logged and left in DEFAULT, where queries still find it.
    """
    if connection.vendor != "postgresql":
        return []
    created = []
    with connection.cursor() as cursor:
        for table in PARTITIONED:
            for month in months_between(first, last):
                name = f"{table}_{month:%Y%m}"
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is not None:
                    continue
                start = datetime(month.year, month.month, 1, tzinfo=UTC)
                end_month = _next_month(month)
                end = datetime(end_month.year, end_month.month, 1, tzinfo=UTC)
                try:
                    with transaction.atomic():
                        cursor.execute(
                            f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                            "FOR VALUES FROM (%s) TO (%s)",
                            [start, end],
                        )
                    created.append(name)
                except DatabaseError as exc:
                    log.warning("partition %s not created: %s", name, exc)
    return created
