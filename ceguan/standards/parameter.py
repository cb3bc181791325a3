"""One rule-book parameter: its metadata, its dated values, and the value on a given day.

A parameter is one dated, cited quantity (``shared/design/style.md`` §1). Values are looked up
like OpenFisca parameters (openfisca-core ``openfisca_core/parameters/parameter.py``): the value
on a day is the one with the latest effective date on or before that day, and a day before the
first effective date raises ``NotInForce`` instead of returning a default.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from ceguan.standards.errors import NotInForce, RuleBookError
from ceguan.standards.schema import ParameterFile, Reference, to_rulebook_error
from ceguan.standards.units import MonthDay, Unit, validate_value
from ceguan.standards.yamlio import read_yaml


@dataclass(frozen=True)
class ParameterValue:
    """The value of a parameter on one day, with what a caller needs to show its source.

    ``reference`` is the citation in force on the day asked; ``verified`` is False for numbers
    taken from secondary sources or memory ([S]/[R] in ``shared/design/rules.md``), and callers
    show an "unverified" badge for them.
    """

    path: str
    value: object
    unit: Unit
    reference: Reference
    verified: bool
    effective_from: date
    file: Path

    def month_day(self) -> MonthDay:
        """The value as a recurring calendar day (unit ``day-of-year``)."""
        if not isinstance(self.value, MonthDay):
            raise self._wrong_kind("a day-of-year {month, day}")
        return self.value

    def number(self) -> float:
        """The value as a number (fractions, percents, days, concentrations ...)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self._wrong_kind("a single number")
        return float(self.value)

    def codes(self) -> tuple[str, ...]:
        """The code names, in file order, of a ``code`` table (its labels are in ``value``)."""
        if self.unit is not Unit.CODE or not isinstance(self.value, Mapping):
            raise self._wrong_kind("a code table")
        return tuple(self.value)

    def _wrong_kind(self, wanted: str) -> RuleBookError:
        message = f"{self.path} is {self.unit.value} {self.value!r}, not {wanted}"
        return RuleBookError(message, self.file, f"values.{self.effective_from.isoformat()}")


@dataclass(frozen=True)
class Parameter:
    """A parameter file, validated: metadata plus values sorted by effective date."""

    path: str
    file: Path
    description: str
    unit: Unit
    verified: bool
    last_reviewed_on: date
    references: tuple[tuple[date, Reference], ...]
    values: tuple[tuple[date, object | None], ...]
    documentation: str | None = None

    def value_on(self, on: date) -> ParameterValue:
        """The value in force on ``on`` (a Beijing-time calendar day).

        Raises
        ------
        NotInForce
            If ``on`` is before the first effective date, or the value was repealed (``null``).
        """
        index = bisect_right([day for day, _ in self.values], on) - 1
        if index < 0:
            first = self.values[0][0].isoformat()
            message = f"{self.path} is not in force on {on.isoformat()}: its first value is {first}"
            raise NotInForce(message, self.file, "values", on)
        since, value = self.values[index]
        if value is None:
            message = f"{self.path} is not in force on {on.isoformat()}: repealed from {since}"
            raise NotInForce(message, self.file, f"values.{since.isoformat()}", on)
        return ParameterValue(
            path=self.path,
            value=value,
            unit=self.unit,
            reference=self.reference_on(on),
            verified=self.verified,
            effective_from=since,
            file=self.file,
        )

    def reference_on(self, on: date) -> Reference:
        """The citation with the latest effective date on or before ``on``."""
        index = bisect_right([day for day, _ in self.references], on) - 1
        if index < 0:
            first = self.references[0][0].isoformat()
            message = f"{self.path} has no reference before {first} (asked {on.isoformat()})"
            raise NotInForce(message, self.file, "metadata.reference", on)
        return self.references[index][1]


def read_parameter(file: Path, path: str) -> Parameter:
    """Read and validate one parameter file; ``path`` is its dotted rule-book path.

    Raises
    ------
    RuleBookError
        Naming the file and key path, for any departure from the format in ``README.md``.
    """
    document = read_yaml(file)
    try:
        model = ParameterFile.model_validate(document.data)
    except ValidationError as exc:
        raise to_rulebook_error(exc, file, document.lines) from None
    values: list[tuple[date, object | None]] = []
    for day, raw in sorted(model.values.items()):
        key = f"values.{day.isoformat()}"
        try:
            values.append((day, None if raw is None else validate_value(model.metadata.unit, raw)))
        except ValidationError as exc:
            raise to_rulebook_error(exc, file, document.lines, prefix=key) from None
    references = tuple(sorted(model.metadata.reference.items()))
    first_value, first_raw = values[0]
    if first_raw is None:
        key = f"values.{first_value.isoformat()}"
        raise RuleBookError(
            "the first value cannot be null (a repeal)", file, key, document.lines.get(key)
        )
    if first_value < references[0][0]:
        key = f"values.{first_value.isoformat()}"
        message = f"no reference is in force on {first_value}: the first one is dated later"
        raise RuleBookError(message, file, key, document.lines.get(key))
    return Parameter(
        path=path,
        file=file,
        description=model.description,
        unit=model.metadata.unit,
        verified=model.metadata.verified,
        last_reviewed_on=model.metadata.last_reviewed_on,
        references=references,
        values=tuple(values),
        documentation=model.documentation,
    )
