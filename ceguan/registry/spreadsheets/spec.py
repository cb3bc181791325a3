"""The building blocks of the column specs: a column, a resource, and column factories.

A :class:`Column` ties a fixed Chinese header to a model field, the parser that reads the cell
and the function that writes it back, so import, template and export cannot drift apart. A
:class:`ResourceSpec` adds the model and the natural key a re-import matches rows by.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from ceguan.registry import models as m
from ceguan.registry.spreadsheets import cells
from ceguan.registry.spreadsheets.cells import Parser, RowContext

Exporter = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    """One spreadsheet column.

    ``name`` keys the parsed value in the row; ``field`` is the model field it sets (``None`` for
    a helper such as the enterprise code that locates a facility's outlet). ``parse=None`` marks an
    export-only column (a name shown for reading, ignored on import); ``export=None`` an
    import-only one (the device password is never written out).
    """

    header: str
    name: str
    parse: Parser | None
    export: Exporter | None
    field: str | None
    required: bool = False
    choices: type[models.TextChoices] | None = None
    hint: str = ""
    #: Written as a text cell (codes, phone numbers), so Excel keeps leading zeros and digits.
    is_text: bool = False


def get(path: str) -> Exporter:
    """Export the attribute at dotted ``path`` (``None`` when a hop is empty)."""

    def export(obj: Any) -> Any:
        for hop in path.split("."):
            obj = getattr(obj, hop, None) if obj is not None else None
        return obj

    return export


def text(
    header: str, field: str, *, required: bool = False, parse: Parser = cells.text, hint: str = ""
) -> Column:
    return Column(header, field, parse, get(field), field, required, hint=hint, is_text=True)


def value(header: str, field: str, parse: Parser, hint: str, *, required: bool = False) -> Column:
    return Column(header, field, parse, get(field), field, required, hint=hint)


def date(header: str, field: str, *, required: bool = False) -> Column:
    return value(header, field, cells.date_value, "YYYY-MM-DD", required=required)


def choice(header: str, field: str, choices: type[models.TextChoices]) -> Column:
    def export(obj: Any) -> str:
        current = getattr(obj, field)
        return cells.label_of(choices, current) if current else ""

    return Column(header, field, cells.choice(choices), export, field, True, choices)


def region(header: str, field: str, parse: Parser, *, required: bool = False) -> Column:
    hint = "名称或行政区划代码，如 兰州市 或 620100"
    return Column(header, field, parse, get(f"{field}.name"), field, required, hint=hint)


def reference(
    header: str,
    name: str,
    model: type[models.Model],
    unknown: str,
    export: str,
    *,
    field: str | None = None,
    required: bool = False,
    editable: bool = False,
) -> Column:
    """A column naming another row by its credit code, resolved in the user's jurisdiction."""
    parse = cells.related(model, "credit_code", unknown, editable=editable)
    hint = "系统中已有记录的统一社会信用代码（18 位）"
    return Column(header, name, parse, get(export), field, required, hint=hint, is_text=True)


def shown(header: str, path: str) -> Column:
    return Column(header, path, None, get(path), None)


@dataclass(frozen=True)
class ResourceSpec:
    """An importable resource: its model, columns and natural key."""

    slug: str
    model: type[m.RegistryModel]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: How a re-import finds the row it updates, for the template's instructions.
    key_hint: str = ""
    select_related: tuple[str, ...] = ()
    custom_key: Callable[[dict[str, Any]], tuple[str, tuple[Any, ...]] | None] | None = None
    custom_find: Callable[[dict[str, Any], RowContext], models.Model | None] | None = None

    @property
    def label(self) -> Any:
        return self.model._meta.verbose_name_plural

    def header_of(self, name: str) -> str:
        """The header of the column setting model field (or value) ``name``; ``""`` if none."""
        for column in self.columns:
            if name in (column.field, column.name) and column.parse is not None:
                return column.header
        return ""

    def natural_key(self, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        """``(column name, key)`` of a parsed row, or ``None`` when its key cells failed."""
        if self.custom_key is not None:
            return self.custom_key(values)
        if any(values.get(name) in (None, "") for name in self.key):
            return None
        parts = tuple(getattr(values[n], "pk", values[n]) for n in self.key)
        return self.key[-1], parts

    def find(self, values: dict[str, Any], ctx: RowContext) -> models.Model | None:
        """The stored row with this natural key, wherever it is (keys are unique province-wide)."""
        if self.custom_find is not None:
            return self.custom_find(values, ctx)
        return self.model.objects.filter(**{name: values[name] for name in self.key}).first()
