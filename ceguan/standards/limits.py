"""Typed look-ups of emission limits and reference oxygen in the rule book.

Limits live under ``limits/<standard>/<category>/<tier>/<pollutant>.yaml`` (folder names are code
names: ``gb4915/kiln/existing/so2``); each value is a table keyed by averaging period
(``hourly``, ``daily``, ``test_mean``, or ``any`` where the standard states none), with optional
conditions written ``<period>_<condition>`` (``any_furnace_850c``, ``daily_cold_water``). Reference
oxygen lives under ``oxygen/<standard>/<category>.yaml``, keyed by tier (``any`` = every tier); a
category without a file is judged on measured concentration. Pure: no Django, no I/O beyond the
rule book. Conventions: ``shared/design/style.md`` §3 (category values are paths, never ``if``
chains) and §6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ceguan.standards.errors import RuleBookError, UnknownParameter
from ceguan.standards.parameter import Parameter
from ceguan.standards.rulebook import RuleBook
from ceguan.standards.schema import Reference
from ceguan.standards.shapes import PhRange

ANY = "any"
"""Period key for a limit whose standard states no averaging period (e.g. GB 4915-2013 6.2)."""


class UnknownLimit(RuleBookError):
    """No limit (or reference oxygen) in the rule book for the combination asked."""


@dataclass(frozen=True)
class Override:
    """A per-outlet limit from the discharge permit (排污许可证), which replaces the standard's.

    ``reference`` cites the permit (number and the table or clause of the limit); ``verified`` is
    True only when someone read the number in the permit itself.
    """

    value: float
    unit: str
    reference: Reference
    verified: bool = False
    lower: float | None = None
    """Lower bound, for pH ranges."""
    reference_o2: float | None = None
    """Reference O2 [%] if the permit states one; else the standard's is used."""


@dataclass(frozen=True)
class Limit:
    """One applicable limit, with what a caller needs to show its source.

    ``value`` is the upper limit (for pH the upper end, ``lower`` the lower end). ``verified`` is
    True only if the limit *and* its reference oxygen were read in the primary text.
    """

    value: float
    unit: str
    period: str
    """The key the value was found under (``hourly``, ``daily``, ``any`` ...)."""
    reference_o2: float | None
    """Reference O2 [%] the measured concentration is converted to; None: judged as measured."""
    reference: Reference
    verified: bool
    source: str
    """``standard`` or ``permit``."""
    path: str
    lower: float | None = None
    oxygen_reference: Reference | None = None


@dataclass(frozen=True)
class ReferenceOxygen:
    """Reference O2 content [%] of one source category, with its citation."""

    value: float
    reference: Reference
    verified: bool
    path: str


def emission_limit(
    rulebook: RuleBook,
    standard: str,
    category: str,
    tier: str,
    pollutant: str,
    period: str,
    *,
    on: date,
    condition: str | None = None,
    override: Override | None = None,
) -> Limit:
    """The limit of ``pollutant`` for ``standard``/``category``/``tier`` on ``on``.

    Parameters
    ----------
    rulebook : RuleBook
        The loaded rule book (``load_rulebook()``).
    standard, category, tier : str
        Code names of the path under ``limits/`` (``"gb4915"``, ``"kiln"``, ``"existing"``).
    pollutant : str
        Glossary name (``so2``, ``nox``, ``particulate``, ``cod``, ``nh3n`` ...).
    period : str
        Averaging period of the value judged (``hourly``, ``daily``); a limit stored under
        ``any`` (no period in the standard) answers every period.
    on : date
        Beijing-time calendar day the data belong to.
    condition : str, optional
        A condition of the standard's footnotes (``furnace_850c``, ``cold_water``,
        ``built_before_2006``, ``listed_sectors``, ``w_flame``), as documented in the file.
    override : Override, optional
        The outlet's permit limit; when given it is returned instead of the standard's, with the
        standard's reference oxygen unless the permit states its own.

    Raises
    ------
    UnknownLimit
        For a combination the rule book does not have; the message lists what it has.
    NotInForce
        If the limit is not in force on ``on`` (e.g. an existing plant before its date).
    """
    oxygen = _oxygen_or_none(rulebook, standard, category, tier, on)
    if override is not None:
        return _from_override(override, oxygen, standard, category, tier, pollutant)
    found = _parameter(rulebook, ("limits", standard, category, tier, pollutant)).value_on(on)
    table = found.value
    assert isinstance(table, Mapping)
    key = _key(table, period, condition, found.path, found.file)
    raw = table[key]
    lower, upper = (raw.min, raw.max) if isinstance(raw, PhRange) else (None, float(raw))
    return Limit(
        value=upper,
        unit=found.unit.value,
        period=key,
        reference_o2=None if oxygen is None else oxygen.value,
        reference=found.reference,
        verified=found.verified and (oxygen is None or oxygen.verified),
        source="standard",
        path=found.path,
        lower=lower,
        oxygen_reference=None if oxygen is None else oxygen.reference,
    )


def reference_oxygen(
    rulebook: RuleBook, standard: str, category: str, tier: str = ANY, *, on: date
) -> ReferenceOxygen | None:
    """Reference O2 [%] for a source category and tier, or None where measured values are judged.

    Raises ``UnknownLimit`` only for an unknown ``standard``; ``NotInForce`` before the date.
    References: GB 4915-2013 4.1.4; GB 31571-2015 5.1.5; GB 13271-2014 表6 (``oxygen/`` files).
    """
    if standard not in rulebook.folder("oxygen").children:
        _parameter(rulebook, ("oxygen", standard))  # raises UnknownLimit listing the standards
    if category not in rulebook.folder("oxygen", standard).children:
        return None
    parameter = rulebook.parameter("oxygen", standard, category)
    tiers = {key for _, table in parameter.values if isinstance(table, Mapping) for key in table}
    if tier not in tiers and ANY not in tiers:
        return None  # this tier is judged as measured, whatever the day
    found = parameter.value_on(on)
    table = found.value
    assert isinstance(table, Mapping)
    value = table.get(tier, table.get(ANY))
    if value is None:
        return None
    return ReferenceOxygen(float(value), found.reference, found.verified, found.path)


def _oxygen_or_none(
    rulebook: RuleBook, standard: str, category: str, tier: str, on: date
) -> ReferenceOxygen | None:
    if standard not in rulebook.folder("oxygen").children:
        return None
    return reference_oxygen(rulebook, standard, category, tier, on=on)


def _from_override(
    override: Override,
    oxygen: ReferenceOxygen | None,
    standard: str,
    category: str,
    tier: str,
    pollutant: str,
) -> Limit:
    reference_o2, oxygen_reference = override.reference_o2, None
    if reference_o2 is None and oxygen is not None:
        reference_o2, oxygen_reference = oxygen.value, oxygen.reference
    return Limit(
        value=float(override.value),
        unit=override.unit,
        period=ANY,
        reference_o2=reference_o2,
        reference=override.reference,
        verified=override.verified,
        source="permit",
        path=f"permit:{standard}.{category}.{tier}.{pollutant}",
        lower=override.lower,
        oxygen_reference=oxygen_reference,
    )


def _parameter(rulebook: RuleBook, path: tuple[str, ...]) -> Parameter:
    """The parameter at ``path``, or ``UnknownLimit`` naming the first level that is missing."""
    try:
        return rulebook.parameter(*path)
    except UnknownParameter:
        pass
    for depth in range(1, len(path)):
        folder = rulebook.folder(*path[:depth])
        if path[depth] not in folder.children:
            known = ", ".join(folder.children) or "nothing"
            where = ".".join(path[:depth])
            message = f"no {path[depth]!r} under {where}; the rule book has: {known}"
            raise UnknownLimit(message, folder.file)
    raise UnknownLimit(f"no parameter {'.'.join(path)!r}", rulebook.root)


def _key(
    table: Mapping[str, object], period: str, condition: str | None, path: str, file: Path
) -> str:
    suffix = f"_{condition}" if condition else ""
    for key in (f"{period}{suffix}", f"{ANY}{suffix}"):
        if key in table:
            return key
    wanted = f"period {period!r}" + (f" with condition {condition!r}" if condition else "")
    message = f"{path} has no limit for {wanted}; it has: {', '.join(table)}"
    raise UnknownLimit(message, file, "values")
