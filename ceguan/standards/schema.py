"""Pydantic models, one per rule-book file kind: parameter files and ``index.yaml`` files.

The shape follows ``shared/design/style.md`` §1–3, after OpenFisca parameter files
(openfisca-france ``…/smic/smic_b_horaire.yaml``) and their ``index.yaml`` nodes, with structured
``{title, clause, href}`` references keyed by effective date.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from ceguan.standards.errors import RuleBookError
from ceguan.standards.units import CodeName, Unit

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(raw: object) -> date:
    """Parse a ``YYYY-MM-DD`` string into a date; anything else is a ``ValueError``."""
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or not _ISO_DATE.match(raw):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a calendar date ({exc})") from None


IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Href = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Reference(_Strict):
    """Where a value is written: document or standard number with section, clause, link."""

    title: Text
    """Document or standard number and section, e.g. ``甘环办发〔2018〕25号 五（一）``."""
    clause: Text | None = None
    """The clause heading or wording, when the title alone does not locate it."""
    href: Href | None = None
    """A public link to the text, when there is one."""


References = Annotated[dict[IsoDate, Reference], Field(min_length=1)]


class Metadata(_Strict):
    """The ``metadata`` block of a parameter file."""

    unit: Annotated[Unit, Field(strict=False)]
    reference: References
    verified: bool
    """True only when someone read the primary text ([P]); [S]/[R] numbers stay false."""
    last_reviewed_on: IsoDate


class ParameterFile(_Strict):
    """One regulatory quantity: a YAML file other than ``index.yaml``."""

    description: Text
    metadata: Metadata
    values: Annotated[dict[IsoDate, Any], Field(min_length=1)]
    """Raw values keyed by effective date; ``null`` means no longer in force from that date.
    Checked against the unit by ``units.validate_value``."""
    documentation: Text | None = None


class IndexFile(_Strict):
    """The ``index.yaml`` of a folder of the rule-book tree."""

    description: Text
    reference: References | None = None
    order: list[CodeName] | None = None
    """Children (file stems and sub-folders) in display order; if given, it lists all of them."""


def to_rulebook_error(
    exc: ValidationError, file: Path, lines: dict[str, int], prefix: str = ""
) -> RuleBookError:
    """Turn a pydantic error into a ``RuleBookError`` naming the file, key path and line."""
    # An unknown key is usually a misspelt known one, so report it before the "missing" error.
    errors = sorted(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
    first = errors[0]
    key = _key_path(prefix, first["loc"])
    if first["type"] == "extra_forbidden":
        message = "unknown key: not part of the rule-book file format (see standards/README.md)"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "value_error":
        message = first["msg"].removeprefix("Value error, ")
    else:
        message = f"{first['msg']} (got {_short(first['input'])})"
    if len(errors) > 1:
        others = ", ".join(_key_path(prefix, error["loc"]) or "(top)" for error in errors[1:])
        message += f"; also wrong: {others}"
    return RuleBookError(message, file, key, _line_of(key, lines))


def _key_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if part != "[key]"]
    return ".".join(part for part in (prefix, *parts) if part)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of ``key``, or of its nearest written ancestor (a missing key has no line)."""
    while key:
        if key in lines:
            return lines[key]
        key = key.rpartition(".")[0]
    return None
