"""Reading the rows of a data file: its cells (time, kind, numbers, flags), then row → frame.

Each cell parser takes the raw cell (``str`` from CSV; ``str``, number or ``datetime`` from
xlsx) and returns the value or raises :class:`~ceguan.registry.spreadsheets.cells.CellError`
with a reason the user can act on, as the registry import does. Times in the file are Beijing
time (UTC+8, as everything the national platform shows); they come back as aware UTC.

:class:`RowReader` turns one row into an :class:`~ceguan.telemetry.store.IncomingFrame` or the
list of its problems. The facility is found by MN among those the user may edit; an MN outside
the jurisdiction gets the same reason as an unknown one, so a file cannot probe which exist.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from ceguan.hj212.times import BEIJING
from ceguan.registry.choices import Medium
from ceguan.registry.models import Facility
from ceguan.registry.spreadsheets.cells import EARLIEST_SERIAL, CellError, display, is_blank
from ceguan.registry.spreadsheets.reader import Row, Sheet
from ceguan.registry.spreadsheets.report import Problem
from ceguan.telemetry.choices import DataKind, ValueSource
from ceguan.telemetry.file_columns import CUMULATIVE, VALUE, Layout, PollutantColumn
from ceguan.telemetry.file_units import is_volume, unit_factor, volume_rate
from ceguan.telemetry.store import IncomingFrame, IncomingValue

#: The HJ 212 upload command each kind would have arrived with.
CN = {DataKind.HOURLY: "2061", DataKind.DAILY: "2031"}
PARTS = ("value", "converted", "cumulative", "minimum", "maximum")
#: How a row's checks report a problem: (header, reason).
Report = Callable[[str | None, str], None]

#: What the 数据类型 column may say.
KIND_WORDS = {
    **dict.fromkeys(("小时", "小时数据", "小时值", "小时均值", "hourly", "2061"), DataKind.HOURLY),
    **dict.fromkeys(("日", "天", "日数据", "日均值", "daily", "2031"), DataKind.DAILY),
}
#: Chinese data flags → HJ 212-2017 letters (Table 8).
FLAG_WORDS = {
    "正常": "N", "停运": "F", "停产": "F", "停炉": "F", "维护": "M", "手工输入": "S", "手工": "S",
    "故障": "D", "校准": "C", "校验": "C", "超量程": "T", "超测定上限": "T", "超限": "T",
    "通讯异常": "B", "通信异常": "B",
}  # fmt: skip
#: Cells the platform writes where there is no value.
NO_VALUE = frozenset({"", "-", "--", "---", "/", "—", "——", "null", "none", "无"})

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_WITH_FLAG = re.compile(rf"({_NUMBER})\s*(?:[（(]\s*([A-Za-z]{{1,2}})\s*[)）]|([A-Za-z]))?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?)?")


def parse_kind(raw: Any) -> str:
    """``小时`` / ``日`` (or 小时数据, 日均值, hourly, 2061 …) → ``hourly`` / ``daily``."""
    found = KIND_WORDS.get(display(raw).strip().casefold())
    if found is None:
        raise CellError(_("数据类型应为“小时”或“日”"))
    return str(found)


def _naive(raw: Any) -> datetime:
    """The cell as a naive wall-clock time, however it was written."""
    if isinstance(raw, datetime):
        return raw.astimezone(BEIJING).replace(tzinfo=None) if raw.tzinfo else raw
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day)
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= EARLIEST_SERIAL:
        try:
            serial = from_excel(raw)
        except (ValueError, OverflowError, TypeError):
            raise CellError(_("不是有效的时间")) from None
        return (serial + timedelta(milliseconds=500)).replace(microsecond=0)  # float error
    text = display(raw).strip()
    for old, new in (("年", "-"), ("月", "-"), ("日", " "), ("/", "-"), ("T", " "), ("秒", "")):
        text = text.replace(old, new)
    text = re.sub(r"\s*[时点分:]\s*", ":", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(":")
    match = _TIME.fullmatch(text) or _COMPACT.fullmatch(text)
    if match is None:
        raise CellError(_("时间格式应为 YYYY-MM-DD HH:MM（北京时间）"))
    try:
        return datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        raise CellError(_("不是有效的时间")) from None


def parse_time(raw: Any, data_kind: str, now: datetime) -> datetime:
    """A Beijing-time cell as aware UTC; hourly data on the hour, daily data at 0:00 (a date)."""
    moment = _naive(raw)
    if data_kind == DataKind.HOURLY and moment != moment.replace(minute=0, second=0, microsecond=0):
        raise CellError(_("小时数据的时间应为整点"))
    if data_kind == DataKind.DAILY and moment.time() != datetime.min.time():
        raise CellError(_("日数据的时间应为日期（0 时）"))
    aware = moment.replace(tzinfo=BEIJING).astimezone(UTC)
    if aware > now:
        raise CellError(_("时间晚于当前时间"))
    return aware


def parse_number(raw: Any) -> tuple[float | None, str]:
    """(number, or None for an empty cell; a flag written after it: ``12.5(N)``, ``12.5N``)."""
    if isinstance(raw, bool):
        raise CellError(_("应为数字"))
    if isinstance(raw, int | float):
        value, flag = float(raw), ""
    else:
        text = display(raw).strip()
        if text.casefold() in NO_VALUE:
            return None, ""
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        match = _NUMBER_WITH_FLAG.fullmatch(text)
        if match is None:
            raise CellError(_("应为数字"))
        value, flag = float(match[1]), match[2] or match[3] or ""
    if not math.isfinite(value):
        raise CellError(_("应为数字"))
    return value, flag


def parse_flag(raw: Any) -> str:
    """A data flag: HJ 212 letters as written (N, F, M, S, D, C, T, B …) or the Chinese word."""
    text = display(raw).strip()
    if text in FLAG_WORDS:
        return FLAG_WORDS[text]
    if re.fullmatch(r"[A-Za-z]{1,4}", text):
        return text
    raise CellError(_("未知的数据标记（应为 N、F、M、S、D、C、T、B 等字母，或“正常”“维护”等）"))


def unknown_mn() -> str:
    """The one reason for an MN that is unknown *or* outside the user's jurisdiction."""
    return _("未知的 MN 号（或不在您的辖区内）")


def _raw(headers: list[str], row: Row) -> bytes:
    """The row as evidence: the header line and the row as the user saw them, UTF-8 CSV."""
    present = [h for h in headers if h]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(present)
    writer.writerow([display(row.cells.get(h)) for h in present])
    return buffer.getvalue().encode("utf-8")


class RowReader:
    """Reads rows into frames, remembering facilities and the keys earlier rows used."""

    def __init__(self, sheet: Sheet, user: Any, layout: Layout, kind: str, file_name: str) -> None:
        self.sheet, self.layout, self.kind = sheet, layout, kind
        self.now = timezone.now()
        self.peer = f"file:{file_name}"
        mns = {self._mn(row) for row in sheet.rows} - {""}
        facilities = Facility.objects.editable_by(user).select_related("outlet").filter(mn__in=mns)
        self.facilities: dict[str | None, Facility] = {f.mn: f for f in facilities}
        self.seen: dict[tuple[int, str, datetime], int] = {}

    def _mn(self, row: Row) -> str:
        return re.sub(r"\s+", "", display(row.cells.get(self.layout.mn or "")))

    def _cell(self, row: Row, header: str | None) -> Any:
        return row.cells.get(header) if header else None

    def read(self, row: Row) -> tuple[IncomingFrame | None, list[Problem]]:
        problems: list[Problem] = []

        def problem(header: str | None, reason: str) -> None:
            value = display(self._cell(row, header))
            problems.append(Problem(row.number, header or "", value, reason))

        def parse(header: str | None, parser: Callable[..., Any], *args: Any) -> Any:
            raw = self._cell(row, header)
            try:
                return None if is_blank(raw) else parser(raw, *args)
            except CellError as error:
                problem(header, error.reason)
                return None

        kind, written = self.kind, parse(self.layout.kind, parse_kind)
        if written and kind and written != kind:
            labels = {"written": DataKind(written).label, "chosen": DataKind(kind).label}
            problem(self.layout.kind, _("数据类型为%(written)s，与所选的%(chosen)s不符") % labels)
        kind = kind or written or ""
        if not kind and self.layout.kind and is_blank(self._cell(row, self.layout.kind)):
            problem(self.layout.kind, _("必填"))
        mn = self._mn(row)
        facility = self.facilities.get(mn)
        if facility is None:
            problem(self.layout.mn, unknown_mn() if mn else _("必填"))
        moment = parse(self.layout.time, parse_time, kind, self.now) if kind else None
        if is_blank(self._cell(row, self.layout.time)):
            problem(self.layout.time, _("必填"))
        row_flag = parse(self.layout.flag, parse_flag) or ""
        medium = facility.outlet.medium if facility is not None else None
        values = self._values(row, medium, kind, moment, row_flag, problem)
        if problems or facility is None or moment is None:
            return None, problems
        key = (facility.pk, kind, moment)
        if key in self.seen:
            reason = _("与第 %(row)d 行重复（同一 MN 号、数据类型和时间）")
            problem(self.layout.time, reason % {"row": self.seen[key]})
            return None, problems
        self.seen[key] = row.number
        frame = IncomingFrame(
            received_at=self.now, peer=self.peer, raw=_raw(self.sheet.headers, row), mn=mn,
            cn=CN[DataKind(kind)], facility_id=facility.pk, values=values,
            source=ValueSource.FILE,
        )  # fmt: skip
        return frame, []

    def _values(
        self, row: Row, medium: str | None, kind: str, moment: datetime | None,
        row_flag: str, problem: Report,
    ) -> list[IncomingValue]:  # fmt: skip
        """The row's values by glossary name; problems are reported through ``problem``."""
        fields: dict[str, dict[str, Any]] = {}
        sources: dict[tuple[str, str], str] = {}
        for column in self.layout.pollutants:
            raw = row.cells.get(column.header)
            if is_blank(raw):
                continue
            try:
                if column.is_flag:
                    number, flag = None, parse_flag(raw)
                else:
                    number, flag = parse_number(raw)
            except CellError as error:
                problem(column.header, error.reason)
                continue
            if medium is None or (number is None and not column.is_flag):
                continue
            entry = self._place(column, medium, number, flag, sources, problem)
            if entry is not None:
                name, part, amount = entry
                target = fields.setdefault(name, {})
                if part != "flag":
                    target[part] = amount
                    if flag:
                        target.setdefault("embedded", flag)
                elif target.setdefault("flag", flag) != flag:
                    problem(column.header, _("与同一因子的另一标记列不一致"))
        if moment is None:
            return []
        values = []
        for name, target in fields.items():
            numbers = {part: target[part] for part in PARTS if part in target}
            if not _consistent(numbers):
                header = sources.get((name, "value")) or sources.get((name, "minimum"))
                problem(header, _("最小值、均值、最大值不符合 最小值 ≤ 均值 ≤ 最大值"))
                continue
            if numbers:
                flag = target.get("flag") or target.get("embedded") or row_flag
                values.append(IncomingValue(name, kind, moment, flag=flag, **numbers))
        return values

    def _place(
        self, column: PollutantColumn, medium: str, number: float | None, flag: str,
        sources: dict[tuple[str, str], str], problem: Report,
    ) -> tuple[str, str, float | None] | None:  # fmt: skip
        """(glossary name, part, number in the code table's unit) of one cell, or None."""
        code = column.code_for(medium)
        if code is None and column.is_flag:
            return None  # a flag without a value of this medium says nothing
        if code is None:
            label = Medium(medium).label
            problem(column.header, _("不是%(medium)s排放口的监测因子") % {"medium": label})
            return None
        part = "flag" if column.is_flag else column.part
        if part == VALUE and is_volume(column.unit) and is_volume(code.cou_unit):
            part = CUMULATIVE  # 流量(m³) is the period's amount, not a rate
        earlier = sources.setdefault((code.name, part), column.header)
        if earlier != column.header and part != "flag":
            problem(column.header, _("与列“%(column)s”是同一项数据") % {"column": earlier})
            return None
        if number is None:
            return code.name, part, None
        expected = code.cou_unit if part == CUMULATIVE else code.unit
        factor = unit_factor(column.unit, expected)
        if factor is None:
            reason = _("单位 %(unit)s 与 HJ 212 规定的 %(expected)s 不符，请换算后再导入")
            units = {"unit": column.unit, "expected": expected or _("无量纲")}
            problem(column.header, reason % units)
            return None
        if number < 0 and (part == CUMULATIVE or volume_rate(code.unit) is not None):
            problem(column.header, _("流量和排放量不能为负数"))
            return None
        return code.name, part, number if factor == 1 else float(f"{number * factor:.12g}")


def _consistent(numbers: dict[str, float | None]) -> bool:
    """Whether minimum ≤ value ≤ maximum holds among the numbers a row gives (an average
    cannot lie outside the extremes it was computed from; HJ 212-2017 Table 4 Min/Avg/Max)."""
    ordered = [numbers.get(p) for p in ("minimum", "value", "maximum")]
    present = [n for n in ordered if n is not None]
    return all(a <= b for a, b in pairwise(present))
