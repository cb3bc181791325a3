"""What a detector returns: an :class:`Episode`, a stretch of one series that breaks one rule.

An episode is a lead, not a verdict. It names the rule (id and version) that found it, the
pollutant, the data times it covers, a score, a severity, and the numbers that justify it
(``evidence``), so an officer can see *why* without re-running anything. The runner stores it as
an alarm with its evidence; nothing here knows about the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

import numpy as np

#: A value an evidence entry may hold: JSON-ready Python scalars, lists and dicts of them.
EvidenceValue: TypeAlias = (
    "float | int | str | bool | list[EvidenceValue] | dict[str, EvidenceValue] | None"
)


class Severity(StrEnum):
    """How much an episode asks of a person (docs/detectors.md, "Severity").

    ``ALARM`` is a finding the rule book judges by itself (a valid average over its limit, a
    rewrite that lowered a value from above to below the limit). ``WARNING`` is an anomaly lead to
    be looked at with the facility's operations records. ``INFO`` is context for the other two.
    """

    INFO = "info"  # 提示
    WARNING = "warning"  # 预警
    ALARM = "alarm"  # 报警


@dataclass(frozen=True, slots=True)
class Episode:
    """One stretch of one series that one detector judged anomalous.

    Parameters
    ----------
    rule_id : str
        Registry key of the detector that found it (``exceedance``).
    rule_version : int
        Version of that detector (:class:`ceguan.screening.registry.DetectorSpec`).
    pollutant : str
        Glossary name of the series (``so2``, ``o2``); ``""`` for a device-level finding.
    start, end : numpy.datetime64
        Data times [UTC, s] of the first and of the last value the episode covers (both
        inclusive; ``start == end`` for a single value).
    score : float
        Strength of the finding, larger is stronger; its unit is the detector's (see
        docs/detectors.md, e.g. the ratio value/limit, or −log10 of a p-value).
    severity : Severity
        ``alarm``, ``warning`` or ``info``.
    evidence : dict
        The numbers that justify the episode, JSON-ready (floats, ints, strings, ISO times
        ending in ``Z``); durations are in hours and named ``*_h``.

    Examples
    --------
    >>> e = Episode("exceedance", 1, "so2", np.datetime64("2026-01-05T08:00"),
    ...             np.datetime64("2026-01-05T10:00"), 1.2, Severity.ALARM, {"limit": 35.0})
    >>> e.duration_h
    2.0
    >>> e.as_dict()["start"]
    '2026-01-05T08:00:00Z'
    """

    rule_id: str
    rule_version: int
    pollutant: str
    start: np.datetime64
    end: np.datetime64
    score: float
    severity: Severity
    evidence: dict[str, EvidenceValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", np.datetime64(self.start, "s"))
        object.__setattr__(self, "end", np.datetime64(self.end, "s"))
        if self.end < self.start:
            raise ValueError(f"episode ends before it starts: {self.start} > {self.end}")

    @property
    def duration_h(self) -> float:
        """Hours from the first to the last data time of the episode [h]."""
        return float((self.end - self.start) / np.timedelta64(1, "h"))

    def as_dict(self) -> dict[str, EvidenceValue]:
        """The episode as JSON-ready values, times as ISO 8601 UTC strings."""
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "pollutant": self.pollutant,
            "start": iso(self.start),
            "end": iso(self.end),
            "score": float(self.score),
            "severity": str(self.severity),
            "evidence": dict(self.evidence),
        }


def iso(moment: np.datetime64) -> str:
    """A data time as an ISO 8601 UTC string to the second (``2026-01-05T08:00:00Z``)."""
    return f"{np.datetime_as_string(np.datetime64(moment, 's'), unit='s')}Z"
