"""Tests of the screening detectors: hand-computed cases, edge cases and properties.

Helpers shared by the family modules live here: a regular hourly grid, and a check that an
episode names the registered rule and serialises to JSON.
"""

from __future__ import annotations

import json

import numpy as np

from ceguan.screening import DETECTORS, Episode

T0 = np.datetime64("2026-01-05T00:00:00", "s")
HOUR = np.timedelta64(1, "h")


def hourly(n: int, start: np.datetime64 = T0) -> np.ndarray:
    """``n`` hourly data times from ``start`` (2026-01-05 00:00 UTC by default)."""
    return start + np.arange(n) * HOUR


def at(hour: float) -> np.datetime64:
    """The data time ``hour`` hours after T0."""
    return T0 + np.timedelta64(round(hour * 3600), "s")


def valid(n: int) -> np.ndarray:
    """``n`` flags ``N``."""
    return np.full(n, "N")


def assert_registered(episode: Episode) -> None:
    """The episode names a registered rule and version, and serialises to JSON."""
    spec = DETECTORS[episode.rule_id]
    assert episode.rule_version == spec.version
    json.dumps(episode.as_dict(), allow_nan=False)
