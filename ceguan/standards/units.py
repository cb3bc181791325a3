"""Units of the rule book and the value shape each unit allows.

The unit is a closed vocabulary: a parameter's unit decides how its values are checked, so a
deadline cannot be written as a concentration by mistake. Adding a unit is a code change here,
reviewed like any other (see ``README.md``). Names follow ``shared/design/glossary.md``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from ceguan.standards.shapes import ComparisonBands, FlagLetter, FlagStatus, PhRange

CodeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""A glossary code name: lowercase ASCII, digits and underscores (``thermal_power``)."""

Label = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Unit(StrEnum):
    """Units a parameter may declare in ``metadata.unit``."""

    DAY_OF_YEAR = "day-of-year"
    """A calendar day recurring every year, written ``{month: 4, day: 28}``."""
    DAY_OF_MONTH = "day-of-month"
    """A day number 1–31 within a month."""
    FRACTION = "fraction"
    """A share between 0 and 1 (``0.10`` for 10 %)."""
    PERCENT = "percent"
    """A share between 0 and 100, or a volume fraction such as O2 in %."""
    CODE = "code"
    """An ordered table of glossary code names to their Chinese labels."""
    MG_M3 = "mg/m3"
    """Mass concentration in flue gas, standard state, dry [mg/m³]."""
    MG_L = "mg/L"
    """Mass concentration in water [mg/L]."""
    HOUR = "h"
    MINUTE = "min"
    DAY = "day"
    COUNT = "count"
    VOLUME_PERCENT = "vol%"
    """O2 volume fraction in dry flue gas [%]: a number, or a table keyed by tier (``{any: 6}``)."""
    PH = "pH"
    """pH ranges keyed by averaging period: ``{any: {min: 6, max: 9}}``."""
    COMPARISON_BANDS = "comparison-bands"
    """Comparison criteria by reference-method mean (``shapes.ComparisonBands``)."""
    FLAG_LABELS = "flag-labels"
    """HJ 212 data flags (one upper-case letter) to their Chinese meaning."""
    FLAG_STATUS = "flag-status"
    """HJ 212 data flags to ``valid``, ``invalid`` or ``fault`` (``shapes.FlagStatus``)."""


class MonthDay(BaseModel):
    """A calendar day that recurs every year (unit ``day-of-year``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    month: Annotated[int, Field(ge=1, le=12)]
    day: Annotated[int, Field(ge=1, le=31)]

    @model_validator(mode="after")
    def _exists(self) -> MonthDay:
        date(2000, self.month, self.day)  # a leap year, so 02-29 is accepted; raises ValueError
        return self

    def in_year(self, year: int) -> date:
        """The date of this day in ``year`` (29 February falls back to the 28th)."""
        if (self.month, self.day) == (2, 29):
            try:
                return date(year, 2, 29)
            except ValueError:
                return date(year, 2, 28)
        return date(year, self.month, self.day)


_STRICT = ConfigDict(strict=True)
_NUMBER = TypeAdapter(Number)
_NUMBER_TABLE = TypeAdapter(Annotated[dict[CodeName, Number], Field(min_length=1)], config=_STRICT)
_ADAPTERS: dict[Unit, TypeAdapter[Any]] = {
    Unit.DAY_OF_YEAR: TypeAdapter(MonthDay),
    Unit.DAY_OF_MONTH: TypeAdapter(Annotated[int, Field(strict=True, ge=1, le=31)]),
    Unit.FRACTION: TypeAdapter(Annotated[Number, Field(ge=0, le=1)]),
    Unit.PERCENT: TypeAdapter(Annotated[Number, Field(ge=0, le=100)]),
    Unit.CODE: TypeAdapter(Annotated[dict[CodeName, Label], Field(min_length=1)], config=_STRICT),
    Unit.PH: TypeAdapter(Annotated[dict[CodeName, PhRange], Field(min_length=1)], config=_STRICT),
    Unit.COMPARISON_BANDS: TypeAdapter(ComparisonBands),
    Unit.FLAG_LABELS: TypeAdapter(
        Annotated[dict[FlagLetter, Label], Field(min_length=1)], config=_STRICT
    ),
    Unit.FLAG_STATUS: TypeAdapter(
        Annotated[dict[FlagLetter, FlagStatus], Field(min_length=1)], config=_STRICT
    ),
}
_VOLUME_PERCENT = Annotated[Number, Field(ge=0, le=100)]
_TABLES: dict[Unit, TypeAdapter[Any]] = {
    Unit.VOLUME_PERCENT: TypeAdapter(
        Annotated[dict[CodeName, _VOLUME_PERCENT], Field(min_length=1)], config=_STRICT
    ),
}
_SCALARS: dict[Unit, TypeAdapter[Any]] = {Unit.VOLUME_PERCENT: TypeAdapter(_VOLUME_PERCENT)}


def validate_value(unit: Unit, raw: object) -> object:
    """Check one raw YAML value against the shape its unit allows, and freeze it.

    Units without a special shape (concentrations, durations, counts, ``vol%``) take a number or
    a table of numbers keyed by code name (``{hourly: 30, daily: 20}``); structured shapes (pH
    ranges, comparison bands, flag tables) are defined in ``shapes.py``. Mappings come back as
    read-only ``MappingProxyType`` so that a cached rule book cannot be changed by a caller.
    Raises ``pydantic.ValidationError``.
    """
    if isinstance(raw, dict):
        physical = _TABLES.get(unit, _NUMBER_TABLE)
    else:
        physical = _SCALARS.get(unit, _NUMBER)
    value = _ADAPTERS.get(unit, physical).validate_python(raw)
    if isinstance(value, dict):
        return MappingProxyType(value)
    return value
