"""Importing hourly and daily data exported from the national platform (国发平台) as .csv/.xlsx.

:func:`plan_file_import` maps the columns (:mod:`~ceguan.telemetry.file_columns`), reads every
row (:mod:`~ceguan.telemetry.file_rows`) and counts what the store would do, writing nothing.
:func:`run_file_import` reads the file with the registry import's reader (xlsx, or CSV in UTF-8
with or without BOM or GBK) and writes the valid rows through
:func:`~ceguan.telemetry.store.write_frames` under the device data's rules: each row is one frame
with source ``file``, peer ``file:<name>``, CN 2061/2031 and, as raw bytes kept for evidence, the
header line and the row as UTF-8 CSV. Re-importing a file stores nothing new (duplicates); a
changed value is a revision kept beside the original. A row with any problem is refused whole;
:func:`rejected_workbook` gives the refused rows back with their reasons.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.registry.spreadsheets.reader import Sheet, read_rows
from ceguan.registry.spreadsheets.report import (
    REASON_HEADER,
    ROW_HEADER,
    ImportReport,
    Problem,
    RejectedRow,
)
from ceguan.telemetry import store
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.file_columns import Layout, layout_of
from ceguan.telemetry.file_rows import RowReader
from ceguan.telemetry.store import IncomingFrame, write_frames

RESOURCE = "telemetry"
KINDS = (DataKind.HOURLY, DataKind.DAILY)
#: Rows written per transaction.
BATCH = 500


@dataclass
class FileImportReport(ImportReport):
    """An :class:`ImportReport` counting rows and values instead of created/updated records."""

    kind: str = ""
    """The kind chosen for the whole file; ``""`` when each row's 数据类型 says."""
    frames: int = 0
    """Rows written (in a dry run: that would be written)."""
    empty: int = 0
    """Rows without any value, skipped."""
    new_values: int = 0
    duplicate_values: int = 0
    revised_values: int = 0
    planned: list[IncomingFrame] = field(default_factory=list, repr=False)
    """The frames of the accepted rows, in file order."""


def _header_problems(
    sheet: Sheet, layout: Layout, kind: str
) -> tuple[list[Problem], list[Problem]]:
    """(fatal, warnings) about the header row; a fatal problem refuses every row."""
    used = [layout.mn, layout.time, layout.kind, layout.flag]
    used += [column.header for column in layout.pollutants]
    repeated = sorted({h for h in used if h and sheet.headers.count(h) > 1})
    reason = _("列名重复（标记列请写作“二氧化硫标记”这样带因子名的列名）")
    fatal = [Problem(1, h, h, reason) for h in repeated]
    for header, name in ((layout.mn, _("MN 号")), (layout.time, _("监测时间"))):
        if header is None:
            fatal.append(Problem(1, name, "", _("缺少“%(name)s”列") % {"name": name}))
    if not kind and layout.kind is None:
        fatal.append(Problem(1, _("数据类型"), "", _("缺少“数据类型”列，也未选择数据类型")))
    if not any(not column.is_flag for column in layout.pollutants):
        fatal.append(Problem(1, "", "", _("没有识别出任何监测因子列")))
    warnings = [Problem(1, h, h, _("未识别的列，已忽略")) for h in layout.ignored]
    warnings += [Problem(1, h, h, _("已有同类的列，此列已忽略")) for h in layout.unused]
    return fatal, warnings


def _check(sheet: Sheet, user: Any, kind: str | None, file_name: str) -> FileImportReport:
    if kind and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    kind = str(kind or "")
    report = FileImportReport(RESOURCE, list(sheet.headers), rows=len(sheet.rows), kind=kind)
    report.file_name = file_name
    layout = layout_of(sheet.headers)
    fatal, warnings = _header_problems(sheet, layout, kind)
    report.problems.extend(warnings)
    if fatal:
        report.problems.extend(fatal)
        reasons = [f"{p.column}：{p.reason}" if p.column else p.reason for p in fatal]
        report.rejected_rows = [RejectedRow(r.number, dict(r.cells), reasons) for r in sheet.rows]
        return report
    reader = RowReader(sheet, user, layout, kind, file_name)
    for row in sheet.rows:
        frame, problems = reader.read(row)
        if problems:
            report.reject(row, problems)
        elif frame is not None and frame.values:
            report.planned.append(frame)
        else:
            report.empty += 1
    report.problems.sort(key=lambda p: p.row)
    return report


def _count(report: FileImportReport, results: list[store.WriteResult]) -> None:
    report.frames += len(results)
    for result in results:
        report.new_values += result.new_values
        report.duplicate_values += result.duplicate_values
        report.revised_values += result.revised_values


def plan_file_import(
    rows: Sheet, user: Any, kind: str | None, *, file_name: str = ""
) -> FileImportReport:
    """Check every row of ``rows`` as ``user`` would import it and count, writing nothing.

    ``kind`` is ``hourly`` or ``daily`` for the whole file, or ``None`` to take each row's
    数据类型 column. The counts of new, duplicate and revised values are what an import would
    store now (the store's own comparison, read-only).
    """
    report = _check(rows, user, kind, file_name)
    frames = report.planned
    for start in range(0, len(frames), BATCH):
        batch = frames[start : start + BATCH]
        _plan, results = store._plan(batch, [0] * len(batch))  # read-only: what would happen
        _count(report, results)
    return report


def run_file_import(
    file: str | Path | bytes | IO[bytes],
    user: Any,
    kind: str | None,
    dry_run: bool = False,
    file_name: str = "",
) -> FileImportReport:
    """Read ``file`` (xlsx or csv) and store its valid rows as ``user``; report the rest.

    Raises :class:`~ceguan.registry.spreadsheets.reader.SpreadsheetError` when the file itself
    cannot be read. A dry run is :func:`plan_file_import`. Otherwise rows are written in batches
    of :data:`BATCH` (one transaction each; an interrupted import can simply be run again) and
    one ``import`` audit entry summarises the file.
    """
    if not file_name:
        file_name = Path(file).name if isinstance(file, str | Path) else getattr(file, "name", "")
    file_name = Path(file_name or "").name
    sheet = read_rows(file)
    if dry_run:
        return plan_file_import(sheet, user, kind, file_name=file_name)
    report = _check(sheet, user, kind, file_name)
    report.dry_run = False
    with audit.acting_as(audit.current_actor() or user.get_username()):
        for start in range(0, len(report.planned), BATCH):
            _count(report, write_frames(report.planned[start : start + BATCH]))
        _record(report)
    return report


def _record(report: FileImportReport) -> None:
    counts = {
        "rows": report.rows,
        "frames": report.frames,
        "new": report.new_values,
        "duplicate": report.duplicate_values,
        "revised": report.revised_values,
        "rejected": report.rejected,
    }
    summary = _(
        "导入监测数据：%(file)s，共 %(rows)d 行，写入 %(frames)d 行；数值新增 %(new)d、"
        "重复 %(duplicate)d、修订 %(revised)d；拒绝 %(rejected)d 行"
    ) % {"file": report.file_name, **counts}
    audit.record(
        AuditAction.IMPORT,
        model="telemetry.TelemetryValue",
        summary=summary,
        changes={"resource": RESOURCE, "file": report.file_name, "kind": report.kind, **counts},
    )


def rejected_workbook(report: ImportReport) -> bytes:
    """The refused rows as uploaded, plus their original row number and the reasons.

    Text cells are written as text, never as formulas; times keep their time of day. Fix the
    cells and import the workbook again: the two added columns are ignored.
    """
    headers = [h for h in report.headers if h and h not in (ROW_HEADER, REASON_HEADER)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("被拒绝的行")
    for index, header in enumerate([*headers, ROW_HEADER, REASON_HEADER], start=1):
        sheet.cell(row=1, column=index, value=header).font = Font(bold=True)
    for number, rejected in enumerate(report.rejected_rows, start=2):
        values = [rejected.cells.get(h) for h in headers]
        for index, value in enumerate([*values, rejected.number, "；".join(rejected.reasons)], 1):
            cell = sheet.cell(row=number, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
