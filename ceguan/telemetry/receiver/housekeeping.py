"""The receiver's periodic work: timeouts, device commands, offline state, maintenance.

Every second the connections are swept: one silent for ``idle_timeout_seconds``, or inside one
frame for ``frame_timeout_seconds`` (a peer dripping bytes never goes silent), is closed. Every
``command_poll_seconds`` queued commands of the facilities connected here are sent (HJ 212-2017
§6.1 request flow) and unanswered ones expire. Every minute
:func:`~ceguan.telemetry.aggregates.update_links` runs so that silent facilities show offline,
and a summary is logged. Every hour the database is maintained (:func:`maintain_database`).
Database work goes through the receiver's one database thread, between batches.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.utils import timezone

from ceguan.telemetry.receiver import outbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from ceguan.telemetry.receiver.server import Receiver

log = logging.getLogger("ceguan.telemetry.receiver")

LINKS_EVERY = 60.0
MAINTENANCE_EVERY = 3600.0


def partition_months(today: date) -> tuple[date, date]:
    """From the previous month's first day to a day two months ahead."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return first, today + timedelta(days=62)


def ensure_partitions_now() -> list[str]:
    """Create missing monthly partitions (PostgreSQL) around today."""
    from ceguan.telemetry.partitions import ensure_partitions

    return ensure_partitions(*partition_months(timezone.now().date()))


def maintain_database() -> list[str]:
    """Hourly: next months' partitions (PostgreSQL); fresh planner statistics (SQLite).

    Without statistics SQLite may look up a batch's stored values through the wrong index and
    read every row of each facility's history; with them it seeks (facility, kind, data time)
    in ``telemetry_value_key``. ``analysis_limit`` keeps ANALYZE to a few hundred rows per index.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    return ensure_partitions_now()


def update_links_now() -> tuple[int, int]:
    from ceguan.telemetry.aggregates import update_links

    return update_links()


def sweep(receiver: Receiver, now: float) -> None:
    """Close connections past the idle or the frame timeout."""
    policy = receiver.policy
    idle, frame = policy.idle_timeout_seconds, policy.frame_timeout_seconds
    for conn in list(receiver.connections):
        if now - conn.last_activity > idle:
            conn.close(f"idle for {idle:g} s", logging.INFO)
        elif conn.partial_since is not None and now - conn.partial_since > frame:
            conn.close(f"a frame unfinished after {frame:g} s")


async def _job(receiver: Receiver, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return await receiver.run_in_worker(fn, *args)
    except Exception:
        log.exception("housekeeping job %s failed", getattr(fn, "__name__", fn))
        await receiver.run_in_worker(connections.close_all)
        return None


async def send_commands(receiver: Receiver) -> None:
    """Claim queued commands of connected facilities and write them to their connections."""
    claimed = await _job(receiver, outbox.claim_commands, list(receiver.by_facility))
    unsent = []
    for command_id, facility_id, frame in claimed or ():
        conn = receiver.by_facility.get(facility_id)
        if conn is None or conn.closed:
            unsent.append(command_id)
            continue
        conn.send(frame)
        log.info("command %d sent to facility %d at %s", command_id, facility_id, conn.peer)
    if unsent:
        await _job(receiver, outbox.unclaim, unsent)


async def run(receiver: Receiver) -> None:
    """The housekeeping loop (cancelled at shutdown)."""
    loop = receiver.loop
    policy = receiver.policy
    next_commands = next_links = loop.time()
    next_maintenance = loop.time() + MAINTENANCE_EVERY  # `ceguan receive` did it at start
    while True:
        await asyncio.sleep(min(1.0, policy.command_poll_seconds))
        now = loop.time()
        sweep(receiver, now)
        if receiver.stopping:
            continue
        if now >= next_commands:
            next_commands = now + policy.command_poll_seconds
            if receiver.by_facility:
                await send_commands(receiver)
            await _job(receiver, outbox.expire_commands, policy.command_timeout_seconds)
        if now >= next_links:
            next_links = now + LINKS_EVERY
            await _job(receiver, update_links_now)
            log.info("%d connections; %s", len(receiver.connections), receiver.stats)
        if now >= next_maintenance:
            next_maintenance = now + MAINTENANCE_EVERY
            created = await _job(receiver, maintain_database)
            if created:
                log.info("partitions created: %s", ", ".join(created))
