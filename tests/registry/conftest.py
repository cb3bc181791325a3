"""Workbook builders and valid codes for the spreadsheet import/export tests.

The personas come from ``tests/conftest.py``: ``alice`` edits for 兰州市, ``bob`` for 天水市,
``petra`` for the province, ``audrey`` audits (reads everything, edits nothing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from ceguan.core.validators import make_credit_code
from ceguan.registry.models import Enterprise


def credit_code(serial: int, division: str = "620100") -> str:
    """A valid unified social credit code: 91 + division + MB + 7-digit serial + check char.

    ``MB`` keeps these apart from the ``MA`` codes of ``tests.conftest.make_enterprise``.
    """
    return make_credit_code(f"91{division}MB{serial:07d}")


def bad_check(code: str) -> str:
    """The same code with a wrong check character."""
    return code[:17] + ("0" if code[17] != "0" else "1")


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_back(data: bytes, sheet: int = 0) -> list[list[Any]]:
    """All rows of a workbook sheet as lists of cell values."""
    workbook = load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]


ENTERPRISE_HEADERS = ["单位名称", "统一社会信用代码", "市（州）", "行业", "监管类别", "名录年份"]
FACILITY_HEADERS = [
    "排污单位统一社会信用代码",
    "排放口编号",
    "设施类型",
    "数采仪 MN 号",
    "安装日期",
    "联网日期",
    "验收日期",
    "运营方式",
]


def enterprise(city: Any, serial: int, **fields: Any) -> Enterprise:
    """A non-key enterprise in ``city`` named 企业<serial>."""
    values = {
        "name": f"企业{serial}",
        "credit_code": credit_code(serial, city.code),
        "city": city,
        "industry": "thermal_power",
        "supervision_category": "non_key",
    }
    return Enterprise.objects.create(**(values | fields))


def three_enterprises() -> tuple[bytes, list[str]]:
    """Rows 2 and 4 valid (label and code forms); row 3 has a wrong check character."""
    codes = [credit_code(1), bad_check(credit_code(2)), credit_code(3, "620500")]
    rows = [
        ["甲电厂", codes[0], "兰州市", "火电", "重点排污单位名录", 2024],
        ["乙水泥", codes[1], "620100", "cement", "non_key", None],
        ["丙钢铁", codes[2], "天水市", "钢铁", "国家重点监控", "2023"],
    ]
    return xlsx_bytes(ENTERPRISE_HEADERS, rows), codes
