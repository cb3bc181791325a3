"""Writing workbooks: the import template, an export of visible rows, and the rejected rows.

All three use the column specs of :mod:`columns`, so an export is a filled-in template and
imports back unchanged. Text cells are forced to text, so a value beginning with ``=`` is never
run as a formula when the workbook is opened (spreadsheet formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ceguan.registry.spreadsheets import cells
from ceguan.registry.spreadsheets.columns import spec_for
from ceguan.registry.spreadsheets.report import REASON_HEADER, ROW_HEADER, ImportReport
from ceguan.registry.spreadsheets.spec import Column, ResourceSpec

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
#: Rows below the header that carry the template's drop-down lists and text format.
TEMPLATE_ROWS = 1000
#: Excel refuses an inline list longer than this (data validation ``formula1``).
MAX_INLINE_LIST = 255
TEMPLATE_NOTE = "橙色表头为必填列；日期写作 YYYY-MM-DD 或使用 Excel 日期；市（州）可填名称或代码。"


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def _write_row(sheet: Worksheet, row: int, values: Sequence[Any]) -> None:
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=index, value=_cell_value(value))
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, date | datetime):
            cell.number_format = "yyyy-mm-dd"


def _header(sheet: Worksheet, headers: Sequence[str], required: set[str]) -> None:
    _write_row(sheet, 1, headers)
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if header in required else HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        width = sum(2 if ord(char) > 0x2E7F else 1 for char in header) + 4
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(width, 40))
    sheet.freeze_panes = "A2"


def _format_columns(sheet: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """Text format for code columns and a drop-down of Chinese labels for choice columns."""
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.is_text:
            for row in range(2, last_row + 1):
                sheet[f"{letter}{row}"].number_format = "@"
        if column.choices is not None:
            labels = ",".join(cells.label_of(column.choices, v) for v in column.choices.values)
            if len(labels) + 2 <= MAX_INLINE_LIST:
                # A hint, not a rule: the code values (third_party) are accepted as well.
                check = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
                check.showErrorMessage = False
                check.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(check)


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _new_sheet(spec: ResourceSpec) -> tuple[Workbook, Worksheet]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(spec.label)[:31]
    return workbook, sheet


def _required(columns: Iterable[Column]) -> set[str]:
    return {column.header for column in columns if column.required}


def export_xlsx(resource: str, queryset: models.QuerySet) -> bytes:
    """The rows of ``queryset`` (already scoped by the caller with ``visible_to``) as xlsx."""
    spec = spec_for(resource)
    columns = [column for column in spec.columns if column.export is not None]
    workbook, sheet = _new_sheet(spec)
    _header(sheet, [column.header for column in columns], _required(columns))
    count = 0
    for count, obj in enumerate(queryset.select_related(*spec.select_related), start=1):
        _write_row(sheet, count + 1, [column.export(obj) for column in columns])  # type: ignore[misc]
    _format_columns(sheet, columns, count + 1)
    return _bytes(workbook)


def _describe(column: Column) -> str:
    if column.choices is not None:
        labels = "、".join(cells.label_of(column.choices, v) for v in column.choices.values)
        codes = "、".join(str(v) for v in column.choices.values)
        return f"可选：{labels}（也可填代码：{codes}）"
    return column.hint


def template_xlsx(resource: str) -> bytes:
    """An empty import workbook: the header row, then a 说明 sheet describing each column."""
    spec = spec_for(resource)
    columns = [column for column in spec.columns if column.parse is not None]
    workbook, sheet = _new_sheet(spec)
    _header(sheet, [column.header for column in columns], _required(columns))
    _format_columns(sheet, columns, TEMPLATE_ROWS + 1)
    notes = workbook.create_sheet("说明")
    _header(notes, ["列名", "必填", "说明"], set())
    for row, column in enumerate(columns, start=2):
        _write_row(notes, row, [column.header, "是" if column.required else "", _describe(column)])
    footer = len(columns) + 3
    _write_row(notes, footer, ["导入规则", "", spec.key_hint])
    _write_row(notes, footer + 1, ["", "", TEMPLATE_NOTE])
    notes.column_dimensions["C"].width = 80
    return _bytes(workbook)


def rejected_xlsx(report: ImportReport) -> bytes:
    """The refused rows as uploaded, plus their original row number and the reasons.

    Fix the cells and import this workbook again: the two added columns are ignored.
    """
    spec = spec_for(report.resource)
    headers = [h for h in report.headers if h and h not in (ROW_HEADER, REASON_HEADER)]
    workbook, sheet = _new_sheet(spec)
    _header(sheet, [*headers, ROW_HEADER, REASON_HEADER], _required(spec.columns))
    for index, rejected in enumerate(report.rejected_rows, start=2):
        values = [rejected.cells.get(header) for header in headers]
        _write_row(sheet, index, [*values, rejected.number, "；".join(rejected.reasons)])
    sheet.column_dimensions[get_column_letter(len(headers) + 2)].width = 60
    return _bytes(workbook)
