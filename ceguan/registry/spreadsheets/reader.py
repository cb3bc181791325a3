"""Reading an uploaded ``.xlsx`` or ``.csv`` into header-keyed rows with their row numbers.

Row numbers are those the user sees in Excel (the header is row 1), so a problem report can be
followed straight to the cell. CSV files come from many tools: UTF-8 with or without a byte-order
mark, or GBK/GB 18030 as Chinese Excel writes by default; the encoding is detected, not asked.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (wrong format, corrupt, no header row)."""


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its cells keyed by normalised header."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    """The header row (normalised, in file order) and the non-empty data rows below it."""

    headers: list[str]
    rows: list[Row]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def normalise_header(header: Any) -> str:
    """``' 市(州)* '`` → ``'市（州）'``: trim, drop a required ``*``, full-width brackets."""
    value = re.sub(r"\s+", " ", str(header or "")).strip().rstrip("*＊").strip()
    return value.replace("(", "（").replace(")", "）")


def _sheet(records: Iterable[Iterable[Any]]) -> Sheet:
    numbered = enumerate(records, start=1)
    for _number, header_row in numbered:
        headers = [normalise_header(h) for h in header_row]
        if any(headers):
            break
    else:
        raise SpreadsheetError(_("文件中没有表头行"))
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, record in numbered:
        values = list(record)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        cells = {h: (values[i] if i < len(values) else None) for i, h in enumerate(headers) if h}
        rows.append(Row(number, cells))
    return Sheet(headers, rows)


def read_xlsx(data: bytes) -> Sheet:
    """The first worksheet; dates arrive as ``datetime``, numbers as ``int``/``float``."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise SpreadsheetError(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(_("文件中没有表头行"))
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        return _sheet(sheet.iter_rows(min_row=1, values_only=True))
    finally:
        workbook.close()


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB 18030 (covers GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError(_("无法识别 CSV 文件的编码（应为 UTF-8 或 GBK）")) from None


def read_csv(data: bytes) -> Sheet:
    """A comma-separated file; the row number is the record's line as Excel would show it."""
    text = decode_csv(data)
    try:
        return _sheet(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise SpreadsheetError(_("无法读取 CSV 文件：%(error)s") % {"error": error}) from None


def read_rows(source: bytes | str | Path | IO[bytes]) -> Sheet:
    """Read an xlsx or csv file (path, bytes or binary file object), telling them by content."""
    if isinstance(source, str | Path):
        data = Path(source).read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    if data.startswith(XLS_MAGIC):
        raise SpreadsheetError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx"))
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    return read_csv(data)
