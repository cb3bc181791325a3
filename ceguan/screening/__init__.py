"""Screening (筛查): detectors as pure functions over numpy arrays, and their one registry.

``DETECTORS`` maps each rule id to its :class:`DetectorSpec`; a detector returns a list of
:class:`Episode` s with the numbers that justify them. No Django and no I/O here: the runner
loads series from the store, passes limits from the rule book and writes alarms.
See ``docs/detectors.md``.
"""

from ceguan.screening import detectors  # importing it registers the built-in detectors
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.registry import (
    DETECTORS,
    REGISTRY,
    DetectorNotInForce,
    DetectorSpec,
    Registry,
    RegistryError,
    register,
    spec_on,
)

__all__ = [
    "DETECTORS",
    "REGISTRY",
    "DetectorNotInForce",
    "DetectorSpec",
    "Episode",
    "Registry",
    "RegistryError",
    "Severity",
    "detectors",
    "register",
    "spec_on",
]
