"""Counter-based random numbers: the same (seed, stream, time) always gives the same number.

The simulator never keeps a random generator's state between samples. Every number is a hash of
its keys (splitmix64), so any minute of any facility can be computed on its own: backfill, data
recall and a "copied day" see exactly the series the live run sends, and a seed reproduces a run.
Autocorrelated noise is made by interpolating Gaussian knots laid on a grid of ``scale`` minutes.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import lru_cache

_M64 = (1 << 64) - 1
_TWO_53 = 2.0**-53


def _mix(x: int) -> int:
    """The splitmix64 finaliser: a bijective 64-bit avalanche."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def stream_id(name: str) -> int:
    """A stable integer for a stream name (``hash()`` of a str changes between processes)."""
    return zlib.crc32(name.encode())


def hash_keys(*keys: int) -> int:
    """A 64-bit hash of integer keys (negative keys allowed)."""
    h = 0
    for key in keys:
        h = _mix(h ^ (key & _M64))
    return h


def unit(*keys: int) -> float:
    """A uniform number in [0, 1) determined by the keys."""
    return (hash_keys(*keys) >> 11) * _TWO_53


def normal(*keys: int) -> float:
    """A standard normal number determined by the keys (Box–Muller on two hashes)."""
    h = hash_keys(*keys)
    u1 = ((h >> 11) + 1) * _TWO_53
    u2 = (_mix(h) >> 11) * _TWO_53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@lru_cache(maxsize=1 << 17)
def _knot(seed: int, stream: int, scale: int, index: int) -> float:
    return normal(seed, stream, scale, index)


@lru_cache(maxsize=1 << 14)
def _phase(seed: int, stream: int, scale: int) -> float:
    return unit(seed, stream, scale)


def smooth(seed: int, stream: int, minute: float, scale: int) -> float:
    """Unit-variance noise correlated over about ``scale`` minutes (C¹ interpolation of knots).

    Knots of each stream are shifted by a stream-specific phase so that streams do not all bend
    at the same instants.
    """
    x = minute / scale + _phase(seed, stream, scale)
    i = math.floor(x)
    f = x - i
    w = f * f * (3.0 - 2.0 * f)
    a = _knot(seed, stream, scale, i)
    b = _knot(seed, stream, scale, i + 1)
    return ((1.0 - w) * a + w * b) / math.sqrt((1.0 - w) ** 2 + w * w)


@dataclass(frozen=True, slots=True)
class Texture:
    """How a signal's noise variance is shared between time scales (shares sum to 1)."""

    slow: float
    """Share correlated over 6 h (drifts, process swings)."""
    mid: float
    """Share correlated over 1 h."""
    white: float
    """Share independent from minute to minute (instrument noise)."""

    def sample(self, seed: int, stream: int, minute: int) -> float:
        """Unit-variance noise at an epoch minute."""
        value = 0.0
        if self.slow:
            value += math.sqrt(self.slow) * smooth(seed, stream, minute, 360)
        if self.mid:
            value += math.sqrt(self.mid) * smooth(seed, stream + 1, minute, 60)
        if self.white:
            value += math.sqrt(self.white) * normal(seed, stream + 2, minute)
        return value


STACK = Texture(slow=0.70, mid=0.20, white=0.10)
"""Stack gas concentrations: hourly means autocorrelated ≈ 0.85–0.9 (gas-turbine NOx 0.90)."""
ANALYZER = Texture(slow=0.30, mid=0.55, white=0.15)
"""Water analyzers: minute autocorrelation ≈ 0.85, 60 min ≈ 0.4 (GECCO Cl 0.82/0.19,
conductivity 0.88/0.52)."""
FLOW = Texture(slow=0.57, mid=0.38, white=0.05)
"""Flows: minute autocorrelation ≈ 0.97, 60 min ≈ 0.85 (GECCO flow 0.966/0.876)."""
STEADY = Texture(slow=0.80, mid=0.19, white=0.01)
"""pH, temperatures: minute autocorrelation ≈ 0.99 (GECCO pH 0.987)."""
DECOUPLED = Texture(slow=0.0, mid=0.6, white=0.4)
"""A made-up series around a set point (what a tampered data logger sends): no slow swings."""
