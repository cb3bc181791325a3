"""One device's TCP connection: framing, limits and back-pressure (HJ 212-2017 §6.3.1).

Frames are cut from the byte stream by ``##`` + length (:class:`~ceguan.hj212.FrameSplitter`,
bounded to one frame), never by ``read()`` boundaries. Every frame goes to the receiver's batch
writer; the connection is only written to when a frame's batch has committed. What is held per
connection is bounded: one partial frame, at most ``max_inflight`` frames waiting for their
batch, and a write buffer whose high-water mark stops reading from the peer. A peer sending too
fast, an oversize frame, or a frame that never ends loses its connection — and only its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ceguan.hj212 import FrameSplitter, FramingError, Reason
from ceguan.telemetry.receiver.policy import TokenBucket

if TYPE_CHECKING:
    from ceguan.telemetry.receiver.server import Receiver

log = logging.getLogger("ceguan.telemetry.receiver")

WRITE_BUFFER_HIGH = 64 * 1024
"""Unsent reply bytes above which the peer is no longer read (it is not reading its replies)."""


def _peer_name(transport: asyncio.BaseTransport) -> str:
    addr = transport.get_extra_info("peername")
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        return f"[{host}]:{addr[1]}" if ":" in str(host) else f"{host}:{addr[1]}"
    return str(addr)


class Connection(asyncio.Protocol):
    """The protocol object of one TCP connection."""

    __slots__ = (
        "backlog", "byte_bucket", "closed", "facilities", "frame_bucket", "inflight",
        "last_activity", "partial_since", "paused", "peer", "receiver", "splitter",
        "transport", "write_paused",
    )  # fmt: skip

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.closed = False
        self.inflight = 0
        self.backlog: deque[tuple[datetime, bytes]] = deque()
        self.paused = False
        self.write_paused = False
        self.facilities: set[int] = set()
        self.partial_since: float | None = None
        policy = receiver.policy
        self.splitter = FrameSplitter(policy.max_frame_bytes)
        now = receiver.loop.time()
        self.last_activity = now
        rate = policy.max_frames_per_second
        self.frame_bucket = TokenBucket(rate, max(rate, 1.0), now)
        byte_rate = rate * policy.max_frame_bytes
        self.byte_bucket = TokenBucket(byte_rate, max(byte_rate, policy.max_frame_bytes), now)

    # --- asyncio callbacks -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = _peer_name(transport)
        if not self.receiver.admit(self):
            self.closed = True
            transport.abort()
            return
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.backlog.clear()
        self.receiver.forget(self)

    def pause_writing(self) -> None:
        self.write_paused = True
        self.update_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        self.update_reading()

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        now = self.receiver.loop.time()
        self.last_activity = now
        if not self.byte_bucket.take(now, len(data)):
            self.close("over the byte rate limit")
            return
        items = self.splitter.feed(data)
        if items:
            self.partial_since = now if self.splitter.buffered else None
        elif self.splitter.buffered and self.partial_since is None:
            self.partial_since = now
        for item in items:
            if not self.frame_bucket.take(now):
                self.close(f"over {self.receiver.policy.max_frames_per_second} frames/s")
                return
            if isinstance(item, FramingError):
                if item.reason == Reason.TOO_LARGE:
                    self.close(f"oversize frame ({item.detail})")
                    return
                if item.reason == Reason.GARBAGE:
                    log.debug("garbage from %s: %d bytes", self.peer, len(item.data))
                    continue
                self.submit(item.data)  # stored as rejected evidence (bad length/header)
            else:
                self.submit(item.raw)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    # --- helpers -----------------------------------------------------------------------------

    def submit(self, raw: bytes) -> None:
        """Hand one frame to the batch writer, or hold it here while the writer is full."""
        self.inflight += 1
        received_at = datetime.now(UTC)
        if self.backlog:  # already waiting for room: keep the order
            self.backlog.append((received_at, raw))
        elif not self.receiver.enqueue(self, received_at, raw):
            self.backlog.append((received_at, raw))
            self.receiver.wait_for_room(self)
        self.update_reading()

    def update_reading(self) -> None:
        """Read from the peer only while its frames, the writer and its replies have room."""
        transport = self.transport
        if transport is None or self.closed:
            return
        want_pause = (
            self.inflight >= self.receiver.max_inflight
            or bool(self.backlog)
            or self.write_paused
            or self.receiver.stopping
        )
        if want_pause and not self.paused:
            transport.pause_reading()
            self.paused = True
        elif not want_pause and self.paused:
            transport.resume_reading()
            self.paused = False

    def send(self, reply: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(reply)

    def close(self, why: str, level: int = logging.WARNING) -> None:
        """Drop the connection (buffered replies are discarded) and say why."""
        if self.closed:
            return
        log.log(level, "closing %s: %s", self.peer, why)
        self.closed = True
        self.backlog.clear()
        if self.transport is not None:
            self.transport.abort()
