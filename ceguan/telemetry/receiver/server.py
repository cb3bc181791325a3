"""The asyncio TCP server of ``ceguan receive``: a thin adapter over :func:`.ingest.ingest_batch`.

Connections (:mod:`.connection`) cut frames and queue them for ONE batch writer — group commit
across all connections. Each frame is parsed (:func:`.ingest.examine_raw`, pure) as it is queued,
in the event loop's thread, which overlaps with the database thread waiting for the previous
batch's commit (the GIL is released while it waits). The writer takes
up to ``batch_max`` frames, or what arrived within ``batch_wait_ms`` of the oldest, and runs
``ingest_batch`` in a dedicated single thread (the Django database connection lives there). Only
when that returned — the batch is committed — does each frame's connection get its reply: an
HJ 212 9014 means "stored" (architecture.md "Storage": ack after commit). If the batch fails, its
frames are retried one by one; a frame that still fails closes its own connection, and a failure
of every frame (the database is down) answers nothing: the devices resend (HJ 212-2017 §6.2).

Housekeeping runs in the same thread: queued commands of connected facilities go out every
``command_poll_seconds`` (:mod:`.outbox`), unanswered ones expire, and every minute
:func:`~ceguan.telemetry.aggregates.update_links` marks silent facilities offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, connections

from ceguan.hj212 import Packet
from ceguan.telemetry.receiver.connection import Connection
from ceguan.telemetry.receiver.examine import Rejected
from ceguan.telemetry.receiver.ingest import Outcome, examine_raw, ingest_batch
from ceguan.telemetry.receiver.policy import Policy
from ceguan.telemetry.receiver.sqlite_writer import (
    Checkpointer,
    WriteTurn,
    database_file,
    stop_autocheckpoint,
)

log = logging.getLogger("ceguan.telemetry.receiver")
Ingest = Callable[[Sequence[tuple[str, datetime, bytes]]], list[Outcome]]


@dataclass(slots=True)
class _Pending:
    conn: Connection
    received_at: datetime
    raw: bytes
    queued: float
    checked: Packet | Rejected | None = None


class Receiver:
    """Connections, the bounded frame queue, the batch writer and the housekeeping."""

    def __init__(
        self,
        policy: Policy,
        *,
        ingest: Ingest | None = None,
        worker_init: Callable[[], None] | None = None,
    ) -> None:
        self.policy = policy
        self.loop = asyncio.get_running_loop()
        self.ingest: Ingest = ingest or (
            lambda items: ingest_batch(items, policy=policy, turn=self.turn)
        )
        # The own ingest gets frames parsed on arrival (in this thread, while the database
        # thread waits for the previous batch's commit with the GIL released); another
        # ingest (tests) gets the raw items only.
        self.parse_early = ingest is None
        self.executor = ThreadPoolExecutor(1, "ceguan-ingest", initializer=worker_init)
        self.connections: set[Connection] = set()
        self.by_facility: dict[int, Connection] = {}
        self.max_inflight = max(1, int(policy.max_frames_per_second))
        self.stopping = False
        self.stats = {"frames": 0, "batches": 0, "failed_batches": 0, "refused": 0}
        self._pending: deque[_Pending] = deque()
        self._waiting: deque[Connection] = deque()
        self._ready = asyncio.Event()
        self._full = asyncio.Event()
        self._busy = False
        self._refusal_logged = -1e9
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.turn = WriteTurn(None)
        self.checkpointer: Checkpointer | None = None

    # --- connections -------------------------------------------------------------------------

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> tuple[str, int]:
        """Listen and start the writer and housekeeping; returns the bound address.

        ``reuse_port``: several receiver processes share the port (SO_REUSEPORT) and the kernel
        spreads connections over them — how one machine uses more than one core.
        """
        await self.run_in_worker(self._open_database)  # worker_init now, not with a frame
        self._server = await self.loop.create_server(
            lambda: Connection(self), host, port, backlog=4096, reuse_address=True,
            reuse_port=reuse_port or None,
        )  # fmt: skip
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="batch-writer"),
            asyncio.create_task(self._housekeeping(), name="housekeeping"),
        ]
        return self._server.sockets[0].getsockname()[:2]

    def _open_database(self) -> None:
        """In the writer thread: on an SQLite file, take turns and checkpoint off the path."""
        database = database_file(connection.settings_dict, connection.vendor)
        if database is None or not self.parse_early:
            return
        self.turn = WriteTurn(database)
        stop_autocheckpoint(connection)
        self.checkpointer = Checkpointer(database)
        self.checkpointer.start()

    def admit(self, conn: Connection) -> bool:
        if self.stopping or len(self.connections) >= self.policy.max_connections:
            self.stats["refused"] += 1
            now = self.loop.time()
            if now - self._refusal_logged >= 10:  # a connection storm must not flood the log
                self._refusal_logged = now
                log.warning(
                    "refusing %s: %d connections open (%d refused so far)",
                    conn.peer, len(self.connections), self.stats["refused"],
                )  # fmt: skip
            return False
        self.connections.add(conn)
        return True

    def forget(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for facility_id in conn.facilities:
            if self.by_facility.get(facility_id) is conn:
                del self.by_facility[facility_id]

    def enqueue(self, conn: Connection, received_at: datetime, raw: bytes) -> bool:
        """Queue a frame for the writer; False when the queue is full (the caller holds it)."""
        if len(self._pending) >= self.policy.queue_max:
            return False
        checked = self._examine(raw) if self.parse_early else None
        self._pending.append(_Pending(conn, received_at, raw, self.loop.time(), checked))
        self._ready.set()
        if len(self._pending) >= self.policy.batch_max:
            self._full.set()
        return True

    def _examine(self, raw: bytes) -> Packet | Rejected | None:
        """Parse on arrival; None (parse again in the batch) if the parser itself fails, so
        that such a frame takes the batch path: retried alone, costing only its connection."""
        try:
            return examine_raw(raw, self.policy)
        except Exception:
            log.exception("parsing a frame failed; it goes to the writer unparsed")
            return None

    def wait_for_room(self, conn: Connection) -> None:
        """``conn`` holds frames until the queue has room (called once per held run)."""
        self._waiting.append(conn)

    def _refill(self) -> None:
        """Move frames held by connections into the queue as room frees up, oldest first."""
        while self._waiting and len(self._pending) < self.policy.queue_max:
            conn = self._waiting[0]
            while conn.backlog and not conn.closed:
                received_at, raw = conn.backlog[0]
                if not self.enqueue(conn, received_at, raw):
                    return
                conn.backlog.popleft()
            self._waiting.popleft()
            conn.update_reading()

    # --- the batch writer --------------------------------------------------------------------

    async def _write_loop(self) -> None:
        policy = self.policy
        wait = policy.batch_wait_ms / 1000
        while True:
            while not self._pending:
                self._ready.clear()
                await self._ready.wait()
            delay = self._pending[0].queued + wait - self.loop.time()
            if delay > 0 and len(self._pending) < policy.batch_max and not self.stopping:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), delay)
            count = min(len(self._pending), policy.batch_max)
            batch = [self._pending.popleft() for _ in range(count)]
            self._refill()
            self._busy = True
            try:
                await self._write(batch)
            finally:
                self._busy = False

    async def _write(self, batch: list[_Pending]) -> None:
        items = [(p.conn.peer, p.received_at, p.raw) for p in batch]
        checked = [p.checked for p in batch] if self.parse_early else None
        started = self.loop.time()
        outcomes, poisoned = await self.run_in_worker(self._ingest_guarded, items, checked)
        if log.isEnabledFor(logging.DEBUG):
            took = (self.loop.time() - started) * 1000
            log.debug("batch of %d frames stored in %.1f ms", len(batch), took)
        self.stats["batches"] += 1
        self.stats["frames"] += len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            conn = pending.conn
            conn.inflight -= 1
            if outcome is None:
                if poisoned:
                    conn.close("its frame cannot be stored")
            else:
                if outcome.authenticated and outcome.facility_id is not None:
                    self.by_facility[outcome.facility_id] = conn
                    conn.facilities.add(outcome.facility_id)
                if outcome.reply is not None:
                    conn.send(outcome.reply)
            conn.update_reading()

    def _ingest_guarded(
        self,
        items: list[tuple[str, datetime, bytes]],
        checked: list[Packet | Rejected | None] | None = None,
    ) -> tuple[list[Any], bool]:
        """(outcomes, poisoned) in the worker thread; None for each frame not stored."""
        try:
            if checked is not None:
                outcomes = ingest_batch(items, policy=self.policy, checked=checked, turn=self.turn)
                return outcomes, False
            return self.ingest(items), False
        except Exception:
            self.stats["failed_batches"] += 1
            log.exception("batch of %d frames not stored; retrying one by one", len(items))
            connections.close_all()
        outcomes: list[Outcome | None] = []
        for item in items:
            try:
                outcomes.append(self.ingest([item])[0])
            except Exception as exc:
                log.error("frame from %s not stored, not answered: %s", item[0], exc)
                connections.close_all()
                outcomes.append(None)
        stored = sum(o is not None for o in outcomes)
        return outcomes, 0 < stored < len(outcomes)

    async def run_in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.loop.run_in_executor(self.executor, fn, *args)

    # --- housekeeping ------------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        from ceguan.telemetry.receiver import housekeeping

        await housekeeping.run(self)

    # --- shutdown ----------------------------------------------------------------------------

    def request_stop(self) -> None:
        if not self.stopping:
            log.info("stopping: flushing %d queued frames", len(self._pending))
            self.stopping = True
            for conn in list(self.connections):
                conn.update_reading()
            self._ready.set()
            self._full.set()

    async def shutdown(self, timeout: float = 60) -> None:
        """Stop accepting, store and answer what was received, then close everything."""
        self.request_stop()
        if self._server is not None:
            self._server.close()
        deadline = self.loop.time() + timeout
        while (self._pending or self._waiting or self._busy) and self.loop.time() < deadline:
            self._refill()
            await asyncio.sleep(0.01)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()  # sends what is buffered, then closes
        await asyncio.sleep(0)
        await self.run_in_worker(connections.close_all)
        self.executor.shutdown(wait=True)
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.turn.close()


async def serve(
    policy: Policy,
    host: str,
    port: int,
    *,
    reuse_port: bool = False,
    on_ready: Callable[[str, int], None] | None = None,
) -> None:
    """Run a receiver until SIGINT or SIGTERM, then shut it down gracefully."""
    receiver = Receiver(policy)
    bound = await receiver.start(host, port, reuse_port=reuse_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("receiving HJ 212 on %s:%d", *bound)
    if on_ready is not None:
        on_ready(*bound)
    await stop.wait()
    await receiver.shutdown()
    log.info("stopped: %s", receiver.stats)
