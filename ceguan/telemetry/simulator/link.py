"""The device side of one HJ 212 TCP connection: writes, acknowledgements, re-sends, reading.

Uploads that ask for an acknowledgement wait in ``pending`` (at most ``window`` at once) until
their 9014 arrives. One without an answer within ``OverTime`` is re-sent with the same QN,
``ReCount`` times; after that the link is declared down (the device reconnects and re-sends what
is still pending). A 9011 with ``QnRtn`` ≠ 1 answering an upload means the platform refused it:
it is dropped, not re-sent. Everything else the platform sends is handed to :meth:`on_request`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass

from ceguan.hj212 import FrameSplitter, Hj212Error, Packet, parse_packet
from ceguan.telemetry.simulator.runtime import Settings, Stats


class LinkDown(Exception):
    """The connection is unusable (closed, or uploads stay unacknowledged)."""


@dataclass
class Pending:
    """An upload waiting for its 9014."""

    frame: bytes
    attempts: int
    deadline: float


class Link:
    """Connection state shared by a device's tasks; subclasses answer requests."""

    def __init__(self, mn: str, version_name: str, settings: Settings, stats: Stats) -> None:
        self.link_mn, self.version_name = mn, version_name
        self.settings, self.stats = settings, stats
        self.over_time, self.re_count = settings.ack_timeout, settings.retries
        self.pending: OrderedDict[str, Pending] = OrderedDict()
        self._room = asyncio.Event()
        self._lock = asyncio.Lock()
        self._writer: asyncio.StreamWriter | None = None
        self._broken: str | None = None
        self._tokens, self._stamp = 0.0, 0.0

    def attach(self, writer: asyncio.StreamWriter | None) -> None:
        """Use a new connection (None: no connection)."""
        self._writer, self._broken = writer, None

    def check(self) -> None:
        """Raise :class:`LinkDown` if the connection failed."""
        if self._broken:
            raise LinkDown(self._broken)

    def fail(self, reason: str) -> None:
        self._broken = reason
        self._room.set()

    async def write(self, frame: bytes, *, count: bool = True) -> None:
        """Write one frame (no acknowledgement awaited)."""
        self.check()
        writer = self._writer
        if writer is None:
            raise LinkDown("not connected")
        try:
            async with self._lock:
                await self._pace()
                writer.write(frame)
                await writer.drain()
        except OSError as exc:  # ConnectionResetError, BrokenPipeError …
            self.fail(f"write: {exc}")
            raise LinkDown(self._broken) from None
        if count:
            self.stats.sent += 1
            by_version = self.stats.by_version
            by_version[self.version_name] = by_version.get(self.version_name, 0) + 1

    async def _pace(self) -> None:
        """Keep under ``max_rate`` frames per second (a token bucket, burst of half a second)."""
        rate = self.settings.max_rate
        if rate <= 0:
            return
        now = asyncio.get_running_loop().time()
        self._tokens = min(rate / 2, self._tokens + (now - self._stamp) * rate)
        self._stamp = now
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / rate)
            self._tokens, self._stamp = 1.0, asyncio.get_running_loop().time()
        self._tokens -= 1

    async def send_acked(self, frame: bytes, qn: str) -> None:
        """Write an upload that asked for a 9014, once fewer than ``window`` are pending."""
        while len(self.pending) >= self.settings.window:
            self.check()
            self._room.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), 0.5)
        loop = asyncio.get_running_loop()
        self.pending[qn] = Pending(frame, 0, loop.time() + self.over_time)
        await self.write(frame)

    async def resend_pending(self) -> None:
        """After a reconnect: send again what the previous connection left unacknowledged."""
        loop = asyncio.get_running_loop()
        for pending in list(self.pending.values()):
            pending.attempts, pending.deadline = 0, loop.time() + self.over_time
            await self.write(pending.frame, count=False)
            self.stats.resent += 1

    async def read(self, reader: asyncio.StreamReader) -> None:
        """Read frames until the connection closes."""
        splitter = FrameSplitter()
        try:
            while chunk := await reader.read(65536):
                for item in splitter.feed(chunk):
                    try:
                        if isinstance(item, Hj212Error):
                            raise item
                        self._dispatch(parse_packet(item))
                    except Hj212Error as exc:
                        self.stats.error(f"{self.link_mn}: bad frame from the platform: {exc}")
            self.fail("connection closed by the platform")
        except OSError as exc:
            self.fail(f"read: {exc}")

    def _dispatch(self, packet: Packet) -> None:
        cn, qn = packet.header.cn, packet.qn
        if cn == "9014":
            if qn is not None and self.pending.pop(qn, None) is not None:
                self.stats.acked += 1
                self._room.set()
        elif cn == "9011" and qn in self.pending:
            if packet.payload.qn_rtn != 1:
                del self.pending[qn]
                self.stats.rejected += 1
                self._room.set()
        elif cn not in ("9011", "9012", "9013"):
            self.on_request(packet)

    def on_request(self, packet: Packet) -> None:
        """A platform request or notification arrived (subclasses queue an answer)."""

    async def watch(self) -> None:
        """Re-send uploads whose 9014 is late; declare the link down after ``ReCount``."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(0.2, self.over_time / 4))
            now = loop.time()
            for qn, pending in list(self.pending.items()):
                if now < pending.deadline:
                    continue
                if pending.attempts >= self.re_count:
                    self.fail(f"no 9014 for QN {qn} after {pending.attempts} re-sends")
                    return
                pending.attempts += 1
                pending.deadline = now + self.over_time
                await self.write(pending.frame, count=False)
                self.stats.resent += 1

    async def drain(self) -> None:
        """On stop: give outstanding uploads a moment to be acknowledged."""
        loop = asyncio.get_running_loop()
        end = loop.time() + min(2.0, self.over_time)
        while self.pending and loop.time() < end and not self._broken:
            await asyncio.sleep(0.02)
