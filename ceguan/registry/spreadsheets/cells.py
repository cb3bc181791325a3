"""Parsing one spreadsheet cell into a model value, and writing a model value back to a cell.

Every parser takes the raw cell (``str`` from CSV; ``str``, number, ``datetime`` or ``bool`` from
xlsx) and the :class:`RowContext`, and returns the value or raises :class:`CellError` with a
reason the user can act on. Parsers that refer to other rows (an outlet's enterprise, a county's
city) resolve them inside the importing user's jurisdiction, so a row can never reach a record
the user could not see in the UI. Blank cells never reach a parser: the importer handles them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from ceguan.core.jurisdiction import Scope
from ceguan.registry import choices as c
from ceguan.registry.models import Region


class CellError(Exception):
    """A cell that cannot be used; ``reason`` is shown to the user beside row, column and value."""

    def __init__(self, reason: Any, field_name: str | None = None) -> None:
        super().__init__(str(reason))
        self.reason = str(reason)
        #: The model field the problem belongs to, when raised outside a column's parser.
        self.field_name = field_name


class MissingDependency(Exception):
    """A cell depends on another cell of the row that already failed; report nothing more."""


@dataclass
class RowContext:
    """What a parser may look at: the user, their scope, earlier cells of the row, a cache."""

    user: Any
    scope: Scope
    values: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)


Parser = Callable[[Any, RowContext], Any]


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def display(raw: Any) -> str:
    """The cell as the user typed it, for problem reports."""
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def text(raw: Any, ctx: RowContext) -> str:
    """Text, stripped; numbers typed into Excel (phone, codes) come back without ``.0``."""
    if isinstance(raw, bool):
        raise CellError(_("应为文本"))
    return display(raw).strip()


def code(raw: Any, ctx: RowContext) -> str:
    """A code compared case-insensitively (credit code, outlet code): upper case, no spaces."""
    return re.sub(r"\s+", "", text(raw, ctx)).upper()


def optional_code(raw: Any, ctx: RowContext) -> str | None:
    """A code whose absence is ``NULL`` (the MN, unique when present)."""
    return re.sub(r"\s+", "", text(raw, ctx)) or None


def integer(raw: Any, ctx: RowContext) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    value = text(raw, ctx)
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    raise CellError(_("应为整数"))


def decimal(places: int) -> Parser:
    """A decimal rounded to the field's places (coordinates typed with more digits)."""

    def parse(raw: Any, ctx: RowContext) -> Decimal:
        try:
            value = Decimal(text(raw, ctx))
        except InvalidOperation:
            raise CellError(_("应为数字")) from None
        if not value.is_finite():
            raise CellError(_("应为数字"))
        return value.quantize(Decimal(1).scaleb(-places))

    return parse


#: Excel's serial number of 1950-01-01; smaller numbers in a date column are not dates.
EARLIEST_SERIAL = 18264


def date_value(raw: Any, ctx: RowContext) -> date:
    """A date: an Excel date cell or serial number, ``YYYY-MM-DD`` or ``YYYY/M/D``."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if raw < EARLIEST_SERIAL:  # a bare year such as 2024 is not day 2024 of 1900
            raise CellError(_("日期格式应为 YYYY-MM-DD"))
        try:
            return from_excel(raw).date()
        except (ValueError, OverflowError, TypeError):
            raise CellError(_("不是有效的日期")) from None
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?", text(raw, ctx))
    if not match:
        raise CellError(_("日期格式应为 YYYY-MM-DD"))
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(_("不是有效的日期")) from None


TRUE_WORDS = frozenset({"是", "true", "yes", "y", "1", "在岗"})
FALSE_WORDS = frozenset({"否", "false", "no", "n", "0", "离岗"})


def boolean(raw: Any, ctx: RowContext) -> bool:
    if isinstance(raw, bool):
        return raw
    word = text(raw, ctx).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("应为“是”或“否”"))


def label_of(choices: type[models.TextChoices], value: str) -> str:
    """The Chinese label of a choice: the form spreadsheets use, whatever the UI language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(choices(value).label)


def choice(choices: type[models.TextChoices]) -> Parser:
    """A choice given by its label (Chinese, or another UI language) or its code value."""

    def parse(raw: Any, ctx: RowContext) -> str:
        key = f"choice:{choices.__name__}"
        if key not in ctx.cache:
            accepted: dict[str, str] = {}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    accepted.update({str(label).casefold(): v for v, label in choices.choices})
            accepted.update({str(v).casefold(): v for v in choices.values})
            ctx.cache[key] = accepted
        value = ctx.cache[key].get(text(raw, ctx).casefold())
        if value is None:
            options = "、".join(label_of(choices, v) for v in choices.values)
            raise CellError(_("不是可选值之一：%(options)s") % {"options": options})
        return value

    return parse


def _regions(ctx: RowContext) -> list[Region]:
    if "regions" not in ctx.cache:
        ctx.cache["regions"] = list(Region.objects.select_related("parent"))
    return ctx.cache["regions"]


def _find_region(raw: Any, ctx: RowContext, level: str, within: Region | None) -> Region | None:
    wanted = text(raw, ctx)
    folded = wanted.casefold()
    candidates = [
        r
        for r in _regions(ctx)
        if r.level == level
        and (within is None or r.parent_id == within.pk)
        and (wanted in (r.code, r.name) or (r.name_en and folded == r.name_en.casefold()))
    ]
    if len(candidates) > 1:
        raise CellError(_("名称不唯一，请填写行政区划代码"))
    return candidates[0] if candidates else None


def city(raw: Any, ctx: RowContext) -> Region:
    """A city (市（州）) by name (兰州市), English name or GB/T 2260 code (620100)."""
    region = _find_region(raw, ctx, c.RegionLevel.CITY, None)
    if region is None:
        raise CellError(_("未知的市（州）"))
    return region


def county(raw: Any, ctx: RowContext) -> Region:
    """A county by name or code, looked up under the row's city when it has one."""
    region = _find_region(raw, ctx, c.RegionLevel.COUNTY, ctx.values.get("city"))
    if region is None:
        raise CellError(_("未知的县（区）"))
    return region


def related(model: type[models.Model], lookup: str, unknown: str, *, editable: bool) -> Parser:
    """A row of ``model`` found by ``lookup`` among those the user may see (or edit).

    Rows outside the jurisdiction are reported exactly as rows that do not exist, as the UI does.
    """

    def parse(raw: Any, ctx: RowContext) -> models.Model:
        key = (model._meta.label, lookup, code(raw, ctx))
        found = ctx.cache.setdefault("related", {}).get(key)
        if found is None:
            manager = model.objects  # type: ignore[attr-defined]
            queryset = manager.editable_by(ctx.user) if editable else manager.visible_to(ctx.user)
            found = queryset.filter(**{lookup: key[2]}).first()
        if found is None:
            raise CellError(unknown)
        ctx.cache["related"][key] = found  # rows of one file often share an enterprise
        return found

    return parse
