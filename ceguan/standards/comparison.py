"""Comparison (比对) criteria: which test applies to a reference-method mean, and its limit.

The criteria of HJ 75-2017 (flue-gas CEMS) and HJ 355-2019 表1 (wastewater analysers) are bands of
the reference-method mean, each with one test — absolute error, relative error or relative
accuracy — and a limit (``comparison/<method>/<parameter>.yaml``, see ``shapes.ComparisonBands``).
Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ceguan.standards.limits import UnknownLimit
from ceguan.standards.rulebook import RuleBook
from ceguan.standards.schema import Reference
from ceguan.standards.shapes import ComparisonBands, ComparisonTest


@dataclass(frozen=True)
class Criterion:
    """The band a reference-method mean falls in, and the test that applies there.

    ``limit`` is in ``measure_unit`` for ``absolute_error`` and in percent for
    ``relative_error`` and ``relative_accuracy``. ``lower``/``upper`` are the band's edges
    (``None``: open), with ``lower_inclusive``/``upper_inclusive`` saying whether a mean equal to
    the edge belongs to this band.
    """

    parameter: str
    test: ComparisonTest
    limit: float
    measure_unit: str
    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool
    reference: Reference
    verified: bool
    path: str
    note: str | None = None

    def accepts(self, statistic: float) -> bool:
        """Whether ``statistic`` (the test's value: AE, RE [%] or RA [%]) meets the limit.

        The standards word the limits "不超过 ±limit" (absolute and relative error) and
        "≤ limit" (relative accuracy), so the edge itself passes: ``|statistic| ≤ limit``.
        """
        return abs(statistic) <= self.limit


def comparison_criterion(
    rulebook: RuleBook, method: str, parameter: str, reference_mean: float, *, on: date
) -> Criterion:
    """The criterion for ``parameter`` when the reference-method mean is ``reference_mean``.

    Parameters
    ----------
    method : str
        ``hj75`` (flue gas, HJ 75-2017) or ``hj355`` (wastewater, HJ 355-2019 表1).
    parameter : str
        Glossary name (``particulate``, ``so2``, ``nox``, ``o2``, ``velocity``, ``temperature``,
        ``humidity``, ``other_gas``; ``cod``, ``nh3n``, ``tp``, ``tn``, ``ph``,
        ``water_temperature``, ``water_flow``).
    reference_mean : float
        Mean of the reference-method (or laboratory) readings, in the table's ``measure_unit``.
    on : date
        Day of the comparison.

    Raises
    ------
    UnknownLimit
        For an unknown method or parameter.
    NotInForce
        Before the criteria's effective date.
    """
    folder = rulebook.folder("comparison")
    if (
        method not in folder.children
        or parameter not in rulebook.folder("comparison", method).children
    ):
        known = {name: rulebook.folder("comparison", name).children for name in folder.children}
        message = f"no comparison criteria {method}.{parameter}; the rule book has: {known}"
        raise UnknownLimit(message, folder.file)
    found = rulebook.get("comparison", method, parameter, on=on)
    table = found.value
    assert isinstance(table, ComparisonBands)
    lower: float | None = None
    lower_inclusive = True
    for band in table.bands:
        upper = band.upper
        inside = upper is None or reference_mean < upper
        inside = inside or (band.upper_inclusive and reference_mean == upper)
        if inside:
            return Criterion(
                parameter=parameter,
                test=band.test,
                limit=band.limit,
                measure_unit=table.measure_unit,
                lower=lower,
                lower_inclusive=lower_inclusive,
                upper=upper,
                upper_inclusive=band.upper_inclusive,
                reference=found.reference,
                verified=found.verified,
                path=found.path,
                note=band.note,
            )
        lower, lower_inclusive = upper, not band.upper_inclusive
    raise AssertionError("the last band is open-ended (shapes.ComparisonBands)")  # pragma: no cover
