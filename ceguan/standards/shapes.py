"""Structured value shapes of the rule book: pH ranges, comparison bands and data-flag tables.

``units.py`` maps each unit to the shape its values must have; the shapes that are more than a
number or a table of numbers are defined here, as strict frozen pydantic models, so that a
malformed band table or flag table fails when the rule book loads, naming file and key.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

FlagLetter = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]
"""An HJ 212 data flag as sent on the wire: one upper-case letter (HJ 212-2017 表8)."""

FlagStatus = Literal["valid", "invalid", "fault"]
"""What a data flag means for screening: ``valid`` data count for averages and exceedance;
``invalid`` data are left out (maintenance, calibration, stopped, manual value, over range);
``fault`` data are left out *and* show a device or communication fault."""

ComparisonTest = Literal["absolute_error", "relative_error", "relative_accuracy"]
"""The statistic a comparison band judges (HJ 75-2017 / HJ 355-2019 terms: 绝对误差, 相对误差,
相对准确度)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PhRange(_Frozen):
    """An allowed pH range, both ends included (``6-9`` in the standards' tables)."""

    min: Annotated[_Number, Field(ge=0, le=14)]
    max: Annotated[_Number, Field(ge=0, le=14)]

    @model_validator(mode="after")
    def _ordered(self) -> PhRange:
        if self.min >= self.max:
            raise ValueError(f"pH min {self.min} must be below max {self.max}")
        return self


class Band(_Frozen):
    """One concentration band of a comparison table and the test that applies in it.

    The band runs from the previous band's ``upper`` (or from zero) to its own ``upper``
    (``None``: no upper end). ``upper_inclusive`` says whether a mean equal to ``upper`` falls in
    this band (``≤ upper``) or in the next (``< upper``); the next band's lower edge is then the
    opposite. ``limit`` is in the table's ``measure_unit`` for ``absolute_error`` and in percent
    for the relative tests.
    """

    upper: _Number | None = None
    upper_inclusive: bool = False
    test: ComparisonTest
    limit: Annotated[_Number, Field(gt=0)]
    note: _Text | None = None


class ComparisonBands(_Frozen):
    """The criteria of one compared parameter: bands by reference-method mean, lowest first."""

    measure_unit: _Text
    """Unit of the band edges and of absolute-error limits (``mg/m3``, ``%``, ``m/s`` ...)."""
    bands: Annotated[tuple[Band, ...], Field(min_length=1, strict=False)]

    @model_validator(mode="after")
    def _ordered(self) -> ComparisonBands:
        uppers = [band.upper for band in self.bands]
        if uppers[-1] is not None:
            raise ValueError("the last band must be open-ended (no upper)")
        closed = [upper for upper in uppers[:-1] if upper is not None]
        if len(closed) != len(uppers) - 1:
            raise ValueError("only the last band may be open-ended")
        if any(low >= high for low, high in pairwise(closed)):
            raise ValueError(f"band uppers must increase strictly, got {closed}")
        return self
