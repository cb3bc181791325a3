"""The receiver's limits and timeouts, read from Django settings, and a per-connection rate limit.

Every knob is a ``TELEMETRY_*`` Django setting with a default (:data:`SETTINGS`); the settings
module maps them from ``CEGUAN_*`` environment variables. None of them is a regulatory number:
they protect the receiver (bounded memory, connections and rate) and pace its work.

HJ 212-2017 §6.3.1 bounds a frame at 1036 bytes, but devices send longer ones (hj212.md §1), so
the default maximum frame is the library's :data:`~ceguan.hj212.DEFAULT_MAX_FRAME_SIZE`. HJ 212-2017
§6.2 Table 1 gives devices a 5–10 s reply timeout with 3 retries: replies must come well within it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from django.conf import settings

from ceguan.hj212 import DEFAULT_MAX_FRAME_SIZE

SETTINGS: Mapping[str, Any] = MappingProxyType(
    {
        # Largest whole frame accepted [bytes]; a larger one closes the connection.
        "TELEMETRY_MAX_FRAME_BYTES": DEFAULT_MAX_FRAME_SIZE,
        # A connection silent this long is closed [s].
        "TELEMETRY_IDLE_TIMEOUT_SECONDS": 300,
        # A frame started but not finished within this time closes the connection [s]
        # (a peer dripping bytes never goes idle).
        "TELEMETRY_FRAME_TIMEOUT_SECONDS": 30,
        # Frames (and framing errors) per second one connection may send; a peer over it
        # is disconnected. The burst allowance equals the rate.
        "TELEMETRY_MAX_FRAMES_PER_SECOND": 50,
        # Simultaneous connections; more are refused at accept.
        "TELEMETRY_MAX_CONNECTIONS": 20000,
        # Frames written per database transaction, and how long the writer waits to fill one.
        "TELEMETRY_BATCH_MAX": 500,
        "TELEMETRY_BATCH_WAIT_MS": 20,
        # Accept frames whose CRC is CRC-16/MODBUS (plain or byte-swapped) instead of the
        # standard's (hj212.md §2); the variant is recorded on every frame either way.
        "TELEMETRY_ACCEPT_MODBUS_CRC": True,
        # How often the MN → facility cache is reloaded, and how long an unknown MN is
        # remembered as unknown before the registry is asked again [s].
        "TELEMETRY_AUTH_REFRESH_SECONDS": 60,
        "TELEMETRY_AUTH_MISS_SECONDS": 5,
        # How often queued device commands are looked for, and when a sent command that got
        # no answer at all becomes expired [s].
        "TELEMETRY_COMMAND_POLL_SECONDS": 5,
        "TELEMETRY_COMMAND_TIMEOUT_SECONDS": 120,
    }
)
"""Setting name → default. The lead wires each as ``CEGUAN_<name without TELEMETRY_>``."""

#: Split messages (PNUM/PNO) pending at once in the receiver, and their timeout [s]. The
#: standard sets no timeout (hj212.md §4); OverTime × ReCount is 10 s × 3 by default.
SUBPACKET_PENDING = 4096
SUBPACKET_TIMEOUT_SECONDS = 60.0
SUBPACKET_MAX_PARTS = 64


@dataclass(frozen=True, slots=True)
class Policy:
    """One deployment's receiver limits (see :data:`SETTINGS` for meaning and defaults)."""

    max_frame_bytes: int = SETTINGS["TELEMETRY_MAX_FRAME_BYTES"]
    idle_timeout_seconds: float = SETTINGS["TELEMETRY_IDLE_TIMEOUT_SECONDS"]
    frame_timeout_seconds: float = SETTINGS["TELEMETRY_FRAME_TIMEOUT_SECONDS"]
    max_frames_per_second: float = SETTINGS["TELEMETRY_MAX_FRAMES_PER_SECOND"]
    max_connections: int = SETTINGS["TELEMETRY_MAX_CONNECTIONS"]
    batch_max: int = SETTINGS["TELEMETRY_BATCH_MAX"]
    batch_wait_ms: float = SETTINGS["TELEMETRY_BATCH_WAIT_MS"]
    accept_modbus_crc: bool = SETTINGS["TELEMETRY_ACCEPT_MODBUS_CRC"]
    auth_refresh_seconds: float = SETTINGS["TELEMETRY_AUTH_REFRESH_SECONDS"]
    auth_miss_seconds: float = SETTINGS["TELEMETRY_AUTH_MISS_SECONDS"]
    command_poll_seconds: float = SETTINGS["TELEMETRY_COMMAND_POLL_SECONDS"]
    command_timeout_seconds: float = SETTINGS["TELEMETRY_COMMAND_TIMEOUT_SECONDS"]

    @classmethod
    def from_settings(cls, **overrides: Any) -> Policy:
        """The policy from Django settings (``getattr(settings, NAME, default)``) + overrides."""
        values = {
            f.name: getattr(settings, _name(f.name), SETTINGS[_name(f.name)]) for f in fields(cls)
        }
        values.update(overrides)
        return cls(**values)

    @property
    def queue_max(self) -> int:
        """Frames waiting for the writer at most (then connections stop being read)."""
        return 4 * self.batch_max


def _name(field: str) -> str:
    return f"TELEMETRY_{field.upper()}"


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` saved up.

    Examples
    --------
    >>> bucket = TokenBucket(rate=2, burst=2, now=0.0)
    >>> [bucket.take(0.0), bucket.take(0.0), bucket.take(0.0), bucket.take(0.5)]
    [True, True, False, True]
    """

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic() if now is None else now

    def take(self, now: float, count: float = 1) -> bool:
        """Spend ``count`` tokens at monotonic time ``now``; False if there are not enough."""
        tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if tokens < count:
            self.tokens = tokens
            return False
        self.tokens = tokens - count
        return True
