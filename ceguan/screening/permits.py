"""Checking a discharge-permit limit (许可排放限值) before it overrides the standard's.

A permit limit names a pollutant, a value and a unit for one outlet. Screening compares it with
the outlet's stored series, so it must use the same glossary name and the same unit as the
HJ 212 code table (:data:`ceguan.hj212.codes.POLLUTANT_CODES`, HJ 212-2017 Appendix B); the
reference O2 it may state is a volume fraction below that of air (the ``21`` of the conversion
formula, rule book ``oxygen.air_o2``). Pure: no Django, so the rules can be tested alone and the
model's ``clean()``, the form and the API all give the same errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ceguan.hj212.codes import POLLUTANT_CODES, Medium, PollutantCode

#: An outlet's medium (``registry.choices.Medium``) → the code-table media of its factors.
OUTLET_MEDIA: dict[str, tuple[Medium, ...]] = {
    "air": (Medium.GAS, Medium.AMBIENT),
    "water": (Medium.WATER,),
}
#: Units of an emission amount (``-Cou``): a factor with one of these is a pollutant that a
#: limit can bound; flow (m³), O2, temperature … are not (HJ 212-2017 Appendix B).
MASS_AMOUNTS = frozenset({"kg", "g"})


@dataclass
class PermitCheck:
    """The outcome of :func:`check_permit_limit`: normalised values, or errors by field."""

    pollutant: str = ""
    """Glossary name (``so2``), also when an HJ 212 code (``a21026``, ``02``) was given."""
    unit: str = ""
    """The code table's unit, as the store keeps the series (``mg/m3``, ``mg/L``, ``ug/L``)."""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def normalise_unit(text: str) -> str:
    """``mg/Nm³`` → ``mg/m3``, ``μg/L`` → ``ug/l``; compared case-insensitively."""
    unit = re.sub(r"\s+", "", text or "")
    for old, new in (("³", "3"), ("μ", "u"), ("µ", "u"), ("Nm3", "m3"), ("nm3", "m3")):
        unit = unit.replace(old, new)
    return unit.casefold()


def pollutant_rows(pollutant: str, medium: str) -> list[PollutantCode]:
    """Code-table rows naming ``pollutant`` (glossary name or code) at an outlet of ``medium``."""
    key = (pollutant or "").strip()
    media = OUTLET_MEDIA.get(medium, ())
    return [
        row
        for row in POLLUTANT_CODES.values()
        if row.medium in media and key in (row.name, row.code, row.code_2017)
    ]


def check_permit_limit(
    pollutant: str,
    medium: str,
    value: float | None,
    unit: str,
    reference_o2: float | None,
    *,
    air_o2: float,
    labels: dict[str, str],
) -> PermitCheck:
    """Check one permit limit of an outlet of ``medium``; return normalised values or errors.

    Parameters
    ----------
    pollutant : str
        Glossary name (``so2``) or HJ 212 factor code (2017 ``a21026`` or 2005 ``02``).
    medium : str
        The outlet's medium, ``air`` or ``water``.
    value : float or None
        The limit [``unit``]; must be positive.
    unit : str
        The limit's unit; must be the code table's unit of the pollutant (spelling may differ:
        ``mg/Nm³`` is ``mg/m3``).
    reference_o2 : float or None
        Reference O2 [vol %] the permit states, only for air outlets; 0 ≤ O2 < ``air_o2``.
    air_o2 : float
        O2 content of air [vol %] (rule book ``oxygen.air_o2``, GB 4915-2013 formula (1)).
    labels : dict
        The messages, translated by the caller: ``unknown``, ``not_limited``, ``medium``,
        ``unit``, ``value``, ``o2_range``, ``o2_water`` (``%(…)s`` placeholders as used below).

    Examples
    --------
    >>> msgs = {k: k + " %(pollutant)s %(expected)s %(air)s" for k in (
    ...     "unknown", "not_limited", "medium", "unit", "value", "o2_range", "o2_water")}
    >>> ok = check_permit_limit("a21026", "air", 35, "mg/Nm³", 6, air_o2=21, labels=msgs)
    >>> ok.pollutant, ok.unit, ok.errors
    ('so2', 'mg/m3', {})
    >>> sorted(check_permit_limit("so2", "air", 35, "mg/L", 21, air_o2=21, labels=msgs).errors)
    ['reference_o2', 'unit']
    """
    check = PermitCheck()
    named = {"pollutant": pollutant, "expected": "", "air": f"{air_o2:g}"}
    rows = pollutant_rows(pollutant, medium)
    if not rows:
        other = [m for m in OUTLET_MEDIA if m != medium and pollutant_rows(pollutant, m)]
        check.fail("pollutant", labels["medium" if other else "unknown"] % named)
    else:
        row = rows[0]
        check.pollutant = row.name
        if row.unit is None or row.cou_unit not in MASS_AMOUNTS:
            check.fail("pollutant", labels["not_limited"] % named)
        elif normalise_unit(unit) != normalise_unit(row.unit):
            check.fail("unit", labels["unit"] % {**named, "expected": row.unit})
        else:
            check.unit = row.unit
    if value is not None and not value > 0:
        check.fail("value", labels["value"] % named)
    if reference_o2 is not None:
        if medium != "air":
            check.fail("reference_o2", labels["o2_water"] % named)
        elif not 0 <= reference_o2 < air_o2:
            check.fail("reference_o2", labels["o2_range"] % named)
    return check
