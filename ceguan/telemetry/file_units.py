"""Units in data-file headers: recognising them and converting to the HJ 212 code table's units.

The store keeps every number in the unit of the HJ 212-2017 Appendix B code table
(:data:`ceguan.hj212.codes.POLLUTANT_CODES`): concentrations in mg/m³ (flue gas) or mg/L
(wastewater; some heavy metals µg/L); flow *rates* in m³/s (flue gas, a00000) or L/s
(wastewater, w00000); emission *amounts* (``-Cou``) of flow in m³. National-platform exports
often show flow in m³/h (hourly data) or m³/d (daily data), so these are converted here by
exact arithmetic (1 h = 3600 s, 1 d = 86400 s, 1 m³ = 1000 L; no regulatory number is involved):

* a rate into the table's rate: m³/h → m³/s is ÷ 3600; m³/h → L/s is × 1000 ÷ 3600;
  m³/d → L/s is × 1000 ÷ 86400 (HJ 212-2017 Appendix D: D = Q[L/s] × T[s] × 10⁻³ m³);
* an amount into the table's amount: L → m³ is ÷ 1000; 万m³ → m³ is × 10⁴;
* µg ↔ mg per m³ or per L.

Anything else (mass rates such as t/h, ppm, K …) is not converted: the cell is refused with both
units named. Whether HJ 75-2017 / HJ 353–356-2019 prescribe other display units for the platform
was not checked (their texts were not read); the store's units are HJ 212's.
"""

from __future__ import annotations

import re

#: Volumes in cubic metres [m³ per unit].
VOLUMES: dict[str, float] = {"m3": 1.0, "l": 1e-3, "万m3": 1e4}
#: Durations in seconds [s per unit].
DURATIONS: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
BARE_UNITS = frozenset(
    {"%", "degc", "kpa", "pa", "kg", "g", "t", "m3", "m2", "db", "", "无", "l", "万m3"}
)


def normalise_unit(text: str | None) -> str:
    """``mg/Nm³`` → ``mg/m3``, ``μg/L`` → ``ug/l``, ``℃`` → ``degc``, ``无量纲`` → ``""``."""
    unit = re.sub(r"\s+", "", text or "")
    for old, new in (("³", "3"), ("²", "2"), ("μ", "u"), ("µ", "u"), ("℃", "degC"), ("°C", "degC")):
        unit = unit.replace(old, new)
    unit = unit.replace("％", "%").replace("Nm3", "m3").replace("无量纲", "")
    unit = unit.replace("立方米", "m3").replace("升", "L").replace("小时", "h").replace("天", "d")
    return unit.casefold()


def is_unit(text: str) -> bool:
    """Whether a bracket in a header holds a unit (rather than a note such as ``NH3-N``)."""
    return "/" in text or normalise_unit(text) in BARE_UNITS


def volume_rate(unit: str | None) -> tuple[float, float] | None:
    """(m³ per unit volume, s per unit time) of a volumetric rate such as ``m3/h``, or None."""
    have = normalise_unit(unit)
    if have.count("/") != 1:
        return None
    volume, duration = have.split("/")
    if volume in VOLUMES and duration in DURATIONS:
        return VOLUMES[volume], DURATIONS[duration]
    return None


def is_volume(unit: str | None) -> bool:
    """Whether ``unit`` is a volume (an amount of flow: ``m3``, ``L``, ``万m3``)."""
    return normalise_unit(unit) in VOLUMES


def unit_factor(written: str | None, expected: str | None) -> float | None:
    """What to multiply a number by to get the code table's unit; ``None``: not convertible.

    A header without unit is taken to be in the code table's unit.

    Examples
    --------
    >>> unit_factor("m³/h", "m3/s") * 434000  # 434,000 m³/h = 120.56 m³/s
    120.55555555555556
    >>> round(unit_factor("m3/d", "L/s") * 864, 6)  # 864 m³/d = 10 L/s
    10.0
    >>> unit_factor("万m³", "m3"), unit_factor("t/h", "m3/s")
    (10000.0, None)
    """
    if written is None:
        return 1.0
    have, want = normalise_unit(written), normalise_unit(expected)
    if have == want:
        return 1.0
    for volume in ("/m3", "/l"):
        if (have, want) == (f"ug{volume}", f"mg{volume}"):
            return 0.001
        if (have, want) == (f"mg{volume}", f"ug{volume}"):
            return 1000.0
    rates = volume_rate(have), volume_rate(want)
    if rates[0] is not None and rates[1] is not None:
        (v_have, t_have), (v_want, t_want) = rates
        return (v_have / v_want) * (t_want / t_have)
    if have in VOLUMES and want in VOLUMES:
        return VOLUMES[have] / VOLUMES[want]
    return None
