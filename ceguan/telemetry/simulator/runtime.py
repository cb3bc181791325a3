"""Shared run-time pieces of a simulated fleet: the compressed clock, settings and counters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ceguan.hj212.times import BEIJING


class SimClock:
    """Simulated time: ``speed`` simulated seconds per real second from ``origin``."""

    def __init__(self, speed: float = 1.0, origin: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.origin = origin or datetime.now(BEIJING)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self.origin + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def real_seconds(self, simulated: timedelta) -> float:
        """Real seconds until ``simulated`` time has passed."""
        return simulated.total_seconds() / self.speed


@dataclass(frozen=True)
class Settings:
    """How devices talk (times in real seconds unless named otherwise)."""

    host: str = "127.0.0.1"
    port: int = 9212
    ack_timeout: float = 10.0
    """OverTime: wait this long for a 9014 before re-sending (HJ 212-2017 Table 1: 5–10 s)."""
    retries: int = 3
    """ReCount: re-sends of one frame before the link counts as down and is reconnected."""
    window: int = 8
    """Uploads in flight (sent, not yet acknowledged) per device."""
    min_interval: int = 10
    """Minutes per 2051 upload (MinInterval)."""
    realtime: bool = False
    """Send 2011 real-time data from the start (a platform 2011 request also turns it on)."""
    rtd_interval: int = 30
    """Simulated seconds between 2011 uploads (RtdInterval)."""
    max_rate: float = 40.0
    """Frames per second a device writes at most (the receiver's default limit is 50)."""
    history: int = 3000
    """Periods of each kind kept for data recall (a ring buffer)."""
    reconnect_max: float = 30.0
    connect_timeout: float = 5.0


@dataclass
class Stats:
    """Fleet-wide counters for the status line."""

    devices: int = 0
    connected: int = 0
    sent: int = 0
    """Frames written (first sends, replies and answers; not re-sends)."""
    acked: int = 0
    resent: int = 0
    rejected: int = 0
    """Uploads the platform refused with 9011 (QnRtn ≠ 1)."""
    commands: int = 0
    """Platform requests answered."""
    reconnects: int = 0
    errors: int = 0
    last_error: str = ""
    by_version: dict[str, int] = field(default_factory=dict)
    """Frames sent per protocol version."""

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message[:120]
