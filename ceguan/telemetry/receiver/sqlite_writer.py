"""Writing to SQLite from several receiver processes: a turn lock and checkpoints off the path.

SQLite has one writer at a time. Receivers sharing a port (``--reuse-port``, one per core) each
run a batch writer; left to SQLite's busy handler, a writer that finds the database locked sleeps
1, 2, 5, 10 … ms and polls again, so the two take turns badly and the one waiting wakes late
(measured: two receivers barely beat one). :class:`WriteTurn` is an exclusive ``flock`` on a file
beside the database, taken just before a batch's transaction and released after its commit: the
kernel wakes the waiting process the moment the lock is released, and while one process writes
the other parses, authenticates and prepares its next batch.

In WAL mode the transaction that pushes the log over ``wal_autocheckpoint`` pages copies the log
into the database file and syncs it, inside the committing writer's call (measured: half of the
wall time of a stream of batch inserts). :class:`Checkpointer` takes that work off the write
path: the receiver's own connection stops checkpointing (``PRAGMA wal_autocheckpoint=0``) and a
thread with its own connection checkpoints every second (``PASSIVE``: never waits for writers),
and ``RESTART`` once the log holds more than ``restart_pages`` pages so the log file is reused
from its start instead of growing while writers never pause.

Neither changes what is stored or when it is acknowledged: a frame is still answered only after
its batch's commit returned. PostgreSQL needs neither (row locks, its own checkpointer).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("ceguan.telemetry.receiver")

CHECKPOINT_EVERY_SECONDS = 1.0
RESTART_PAGES = 16384
"""Log pages (4 KiB each: 64 MiB) above which the checkpointer restarts the log."""


def database_file(settings_dict: dict[str, Any], vendor: str) -> Path | None:
    """The SQLite database's file, or None (PostgreSQL, or an in-memory test database)."""
    if vendor != "sqlite":
        return None
    name = str(settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name)


class WriteTurn:
    """An exclusive turn at writing the database, shared by the processes on one machine."""

    def __init__(self, database: Path | None) -> None:
        self.path = None if database is None else database.with_name(database.name + "-write.lock")
        self._fd: int | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # blocks without the GIL; woken on release
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Checkpointer:
    """A daemon thread checkpointing the WAL of ``database`` (see the module docstring)."""

    def __init__(
        self,
        database: Path,
        *,
        every: float = CHECKPOINT_EVERY_SECONDS,
        restart_pages: int = RESTART_PAGES,
        busy_timeout_seconds: float = 20.0,
    ) -> None:
        self.database = database
        self.every = every
        self.restart_pages = restart_pages
        self.busy_timeout = busy_timeout_seconds
        self.checkpoints = 0
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ceguan-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after a last ``PASSIVE`` checkpoint (other receivers may still be writing)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def checkpoint(self, connection: sqlite3.Connection, mode: str = "PASSIVE") -> tuple[int, int]:
        """One checkpoint; returns (pages in the log, pages copied into the database).

        A ``RESTART`` that a reader or writer kept waiting past the busy timeout copies what it
        can and is not counted as a restart (the next round tries again).
        """
        busy, in_log, copied = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        self.checkpoints += 1
        if mode != "PASSIVE" and not busy:
            self.restarts += 1
        return in_log, copied

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.database, timeout=self.busy_timeout)
        except sqlite3.Error:
            log.exception(
                "checkpointer cannot open %s; SQLite checkpoints by itself", self.database
            )
            return
        try:
            while not self._stop.wait(self.every):
                self._once(connection)
            self._once(connection, final=True)  # what is left, without waiting for others
        finally:
            connection.close()

    def _once(self, connection: sqlite3.Connection, *, final: bool = False) -> None:
        try:
            in_log, _copied = self.checkpoint(connection)
            if in_log > self.restart_pages and not final:  # a RESTART waits for other writers
                self.checkpoint(connection, "RESTART")
        except sqlite3.Error as exc:  # locked past the timeout, disk full …: try again later
            log.warning("WAL checkpoint of %s failed: %s", self.database, exc)


def stop_autocheckpoint(connection: Any) -> None:
    """Leave checkpoints to the :class:`Checkpointer` (on Django's SQLite connection)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
