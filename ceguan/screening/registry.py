"""The one registry of detectors: rule id → :class:`DetectorSpec`.

The extension point, declared once (style.md §14):

    A **detector** is a pure function over numpy arrays — one series (``times``, ``values``,
    ``flags``) and, for some rules, companion series aligned on the same times (``load``,
    ``o2``, ``received_at``) — plus keyword arguments: the context the runner must supply
    (``pollutant``, ``limit``, ``interval`` …, no default) and statistical tuning (with a
    documented default). It returns ``list[Episode]`` and does no I/O.

Built-in detectors (``ceguan.screening.detectors``) register themselves with :func:`register`
exactly as an add-on would, so the registry is exercised on every run. Each registration carries
the rule id, a version, the date from which that version judges data (``effective_from``), a
Chinese and an English title and the source (standard and clause, or "statistical method").
When a rule changes shape, register a new version with a later ``effective_from`` beside the old
one; :meth:`Registry.spec_on` gives the version in force for a data date, and asking before the
first version raises :class:`DetectorNotInForce`. ``docs/detectors.md`` documents every rule
id; ``tests/screening/test_registry.py`` checks the two agree.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from ceguan.screening.episode import Episode

Detector = Callable[..., list[Episode]]
"""A detector function: series arrays and keyword arguments in, episodes out."""

F = TypeVar("F", bound=Detector)

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class RegistryError(ValueError):
    """A registration that would make the registry ambiguous or undocumented."""


class DetectorNotInForce(LookupError):
    """No version of the rule judges data of the date asked for (it is before the first one)."""


@dataclass(frozen=True)
class DetectorSpec:
    """One registered version of one detector.

    Attributes
    ----------
    rule_id : str
        Stable key (glossary-style code name), e.g. ``constant_run``; alarms store it.
    version : int
        Version of the rule, from 1; a change of shape is a new version.
    effective_from : datetime.date
        First data date (Beijing calendar day) this version judges.
    title_zh, title_en : str
        What the UI shows (Chinese first).
    source : str
        Standard and clause the rule rests on, or ``"statistical method"`` with the method.
    function : callable
        The detector itself.
    signature : inspect.Signature
        The function's signature; :attr:`inputs` and :attr:`tuning` are read from it.
    """

    rule_id: str
    version: int
    effective_from: date
    title_zh: str
    title_en: str
    source: str
    function: Detector = field(repr=False)
    signature: inspect.Signature = field(repr=False)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Parameters the caller must pass (no default): series and context such as ``limit``."""
        return tuple(
            name
            for name, parameter in self.signature.parameters.items()
            if parameter.default is inspect.Parameter.empty
        )

    @property
    def tuning(self) -> dict[str, Any]:
        """Keyword parameters with their defaults (statistical tuning, optional companions)."""
        return {
            name: parameter.default
            for name, parameter in self.signature.parameters.items()
            if parameter.default is not inspect.Parameter.empty
        }

    @property
    def summary(self) -> str:
        """First line of the detector's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0]

    def __call__(self, *args: Any, **kwargs: Any) -> list[Episode]:
        return self.function(*args, **kwargs)


class Registry:
    """Rule id → versions of that detector. Built-ins and add-ons register the same way."""

    def __init__(self) -> None:
        self._versions: dict[str, list[DetectorSpec]] = {}
        #: The newest version of each rule, by rule id (what ``DETECTORS`` exposes).
        self.detectors: dict[str, DetectorSpec] = {}

    def register(
        self,
        rule_id: str,
        *,
        version: int,
        effective_from: date,
        title_zh: str,
        title_en: str,
        source: str,
    ) -> Callable[[F], F]:
        """Decorator registering a detector function under ``rule_id`` and ``version``.

        Raises :class:`RegistryError` for a malformed rule id, an empty title or source, a
        function without a docstring, a version already registered, or a new version that is
        not later (in number and in ``effective_from``) than the newest one.
        """

        def decorate(function: F) -> F:
            spec = DetectorSpec(
                rule_id=rule_id,
                version=version,
                effective_from=effective_from,
                title_zh=title_zh,
                title_en=title_en,
                source=source,
                function=function,
                signature=inspect.signature(function),
            )
            self._add(spec)
            return function

        return decorate

    def _add(self, spec: DetectorSpec) -> None:
        name = f"detector {spec.rule_id!r} version {spec.version}"
        if not RULE_ID.match(spec.rule_id):
            raise RegistryError(f"{name}: rule id must match {RULE_ID.pattern}")
        if spec.version < 1:
            raise RegistryError(f"{name}: versions start at 1")
        if not (spec.title_zh.strip() and spec.title_en.strip() and spec.source.strip()):
            raise RegistryError(f"{name}: title_zh, title_en and source are required")
        if not (spec.function.__doc__ or "").strip():
            raise RegistryError(f"{name}: {spec.function.__qualname__} has no docstring")
        versions = self._versions.setdefault(spec.rule_id, [])
        if versions:
            newest = versions[-1]
            if spec.version <= newest.version or spec.effective_from <= newest.effective_from:
                raise RegistryError(
                    f"{name}: must follow version {newest.version} "
                    f"(effective {newest.effective_from}) in number and date"
                )
        versions.append(spec)
        self.detectors[spec.rule_id] = spec

    def versions(self, rule_id: str) -> tuple[DetectorSpec, ...]:
        """Every registered version of ``rule_id``, oldest first (KeyError if unknown)."""
        return tuple(self._versions[rule_id])

    def spec_on(self, rule_id: str, day: date) -> DetectorSpec:
        """The version of ``rule_id`` that judges data of ``day``.

        Raises ``KeyError`` for an unknown rule and :class:`DetectorNotInForce` for a day before
        its first version's ``effective_from``.
        """
        in_force = [spec for spec in self._versions[rule_id] if spec.effective_from <= day]
        if not in_force:
            first = self._versions[rule_id][0].effective_from
            raise DetectorNotInForce(f"{rule_id!r} judges data from {first}, not {day}")
        return in_force[-1]


#: The project's registry. ``DETECTORS`` maps each rule id to its newest version.
REGISTRY = Registry()
DETECTORS: dict[str, DetectorSpec] = REGISTRY.detectors
register = REGISTRY.register
spec_on = REGISTRY.spec_on
