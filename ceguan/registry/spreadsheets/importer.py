"""Checking and importing spreadsheet rows: every valid row in, every invalid row reported.

:func:`plan_import` parses each row with the resource's column spec, finds the stored row with
the same natural key, applies the values and runs the model's ``full_clean()`` (so the rules live
in ``models.py`` only), then checks the result lies in the user's jurisdiction. It writes
nothing. :func:`run_import` saves each accepted row in its own savepoint, so one bad row never
takes the others down, and records one audit entry summarising the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Region
from ceguan.registry.spreadsheets import cells
from ceguan.registry.spreadsheets.cells import CellError, MissingDependency, RowContext
from ceguan.registry.spreadsheets.columns import spec_for
from ceguan.registry.spreadsheets.reader import Row, Sheet, read_rows
from ceguan.registry.spreadsheets.report import (
    REASON_HEADER,
    ROW_HEADER,
    ImportReport,
    Problem,
    RejectedRow,
)
from ceguan.registry.spreadsheets.spec import ResourceSpec


@dataclass
class _Planned:
    row: Row
    instance: models.Model
    created: bool


def _header_problems(spec: ResourceSpec, sheet: Sheet) -> tuple[list[Problem], list[Problem]]:
    """(fatal, warnings): missing required or repeated columns are fatal; unknown are ignored."""
    known = {column.header for column in spec.columns} | {ROW_HEADER, REASON_HEADER}
    fatal, warnings = [], []
    for header in sorted({h for h in sheet.headers if h and sheet.headers.count(h) > 1}):
        fatal.append(Problem(1, header, header, _("列名重复")))
    for column in spec.columns:
        if column.required and column.header not in sheet.headers:
            fatal.append(Problem(1, column.header, "", _("缺少必填列")))
    for header in sheet.headers:
        if header and header not in known:
            warnings.append(Problem(1, header, header, _("未知的列，已忽略")))
    return fatal, warnings


def _parse(spec: ResourceSpec, row: Row, ctx: RowContext) -> list[Problem]:
    problems = []
    for column in spec.columns:
        if column.parse is None or column.header not in row.cells:
            continue
        raw = row.cells[column.header]
        if cells.is_blank(raw):
            if column.required:
                problems.append(Problem(row.number, column.header, "", _("必填")))
            elif column.field is not None:
                ctx.values[column.name] = spec.model._meta.get_field(column.field).get_default()
            continue
        try:
            ctx.values[column.name] = column.parse(raw, ctx)
        except MissingDependency:
            continue
        except CellError as error:
            problems.append(Problem(row.number, column.header, cells.display(raw), error.reason))
    return problems


def _problem(spec: ResourceSpec, row: Row, name: str, reason: str) -> Problem:
    header = spec.header_of(name)
    return Problem(row.number, header, cells.display(row.cells.get(header)), reason)


def _clean_problems(spec: ResourceSpec, row: Row, error: ValidationError) -> list[Problem]:
    """One problem per message of ``full_clean()``, under the column of the field it names."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {}
    if not by_field:
        by_field = {NON_FIELD_ERRORS: error.messages}
    return [
        _problem(spec, row, name, message)
        if name != NON_FIELD_ERRORS
        else Problem(row.number, "", "", message)
        for name, messages in by_field.items()
        for message in messages
    ]


def _walk(instance: Any, path: str) -> Any:
    *hops, last = path.split("__")
    for hop in hops:
        instance = getattr(instance, hop, None)
    if instance is None:
        return None
    return instance.pk if last == "pk" else getattr(instance, f"{last}_id", None)


def _jurisdiction_problem(spec: ResourceSpec, row: Row, instance: Any, user: Any) -> list[Problem]:
    """The row as it would be saved must be one the user could then edit.

    This is ``ScopedQuerySet.visible_to`` read off the unsaved instance through the same
    ``city_path``/``agency_path``; after saving, :func:`run_import` asks ``editable_by`` itself.
    """
    scope, model = scope_of(user), spec.model
    if model.province_edits_only and not scope.everything:
        return [Problem(row.number, "", "", _("只有省级用户可以修改此类记录"))]
    if scope.everything or (model.public_to_staff and scope.is_staff):
        return []
    paths = [p for p in (model.city_path, model.agency_path) if p]
    if model.city_path and _walk(instance, model.city_path) in scope.city_ids:
        return []
    if model.agency_path and _walk(instance, model.agency_path) == scope.agency_id:
        return []
    hop = next((p.split("__")[0] for p in paths if _walk(instance, p) is not None), paths[0])
    is_city = model._meta.get_field(hop).related_model is Region
    reason = _("市（州）不在您的辖区内") if is_city else _("不在您的辖区内")
    return [_problem(spec, row, hop, reason)]


def _plan(spec: ResourceSpec, sheet: Sheet, user: Any) -> tuple[ImportReport, list[_Planned]]:
    report = ImportReport(spec.slug, list(sheet.headers), rows=len(sheet.rows))
    fatal, warnings = _header_problems(spec, sheet)
    report.problems.extend(warnings)
    if fatal:
        report.problems.extend(fatal)
        reasons = [f"{p.column}：{p.reason}" for p in fatal]
        report.rejected_rows = [RejectedRow(r.number, dict(r.cells), reasons) for r in sheet.rows]
        return report, []
    planned: list[_Planned] = []
    seen: dict[tuple[Any, ...], int] = {}  # natural key -> row number
    targets: dict[Any, int] = {}  # stored row's pk -> row number that updates it
    cache: dict[str, Any] = {}
    editable = spec.model.objects.editable_by(user)
    for row in sheet.rows:
        ctx = RowContext(user, scope_of(user), cache=cache)
        problems = _parse(spec, row, ctx)
        key = spec.natural_key(ctx.values)
        if key is not None:
            name, parts = key
            if (name, *parts) in seen:
                reason = _("与第 %(row)d 行重复") % {"row": seen[(name, *parts)]}
                problems.append(_problem(spec, row, name, reason))
            else:
                seen[(name, *parts)] = row.number
        if problems:
            report.reject(row, problems)
            continue
        try:
            existing = spec.find(ctx.values, ctx)
        except CellError as error:
            report.reject(row, [_problem(spec, row, error.field_name or "", error.reason)])
            continue
        name = key[0] if key else spec.key[-1]
        if existing is not None and not editable.filter(pk=existing.pk).exists():
            report.reject(row, [_problem(spec, row, name, _("记录已存在，但不在您的辖区内"))])
            continue
        if existing is not None and existing.pk in targets:
            # e.g. one row with an MN and one without, both matching the same facility
            reason = _("与第 %(row)d 行对应同一条记录") % {"row": targets[existing.pk]}
            report.reject(row, [_problem(spec, row, name, reason)])
            continue
        if existing is not None:
            targets[existing.pk] = row.number
        instance = existing if existing is not None else spec.model()
        for column in spec.columns:
            if column.field is not None and column.name in ctx.values:
                setattr(instance, column.field, ctx.values[column.name])
        try:
            instance.full_clean()
        except ValidationError as error:
            report.reject(row, _clean_problems(spec, row, error))
            continue
        outside = _jurisdiction_problem(spec, row, instance, user)
        if outside:
            report.reject(row, outside)
        elif existing is None:
            report.created += 1
            planned.append(_Planned(row, instance, True))
        elif instance.audit_changes():
            report.updated += 1
            planned.append(_Planned(row, instance, False))
        else:
            report.unchanged += 1
    return report, planned


def plan_import(resource: str, rows: Sheet, user: Any) -> ImportReport:
    """Check every row of ``rows`` as ``user`` would import it, writing nothing (a dry run)."""
    report, _planned = _plan(spec_for(resource), rows, user)
    report.problems.sort(key=lambda p: p.row)
    return report


class _OutsideJurisdiction(Exception):
    pass


def _save(spec: ResourceSpec, plan: _Planned, user: Any) -> None:
    """Save one row in its own savepoint; undo it if it left the user's jurisdiction."""
    with transaction.atomic():
        plan.instance.save()
        if not spec.model.objects.editable_by(user).filter(pk=plan.instance.pk).exists():
            raise _OutsideJurisdiction


def run_import(
    resource: str,
    file: str | Path | bytes | IO[bytes],
    user: Any,
    dry_run: bool = False,
    *,
    file_name: str = "",
) -> ImportReport:
    """Read ``file`` (xlsx or csv) and import its valid rows as ``user``; report the rest.

    Raises :class:`~ceguan.registry.spreadsheets.reader.SpreadsheetError` when the file itself
    cannot be read. A dry run only plans; otherwise each accepted row is saved in its own
    savepoint and one ``import`` audit entry summarises the file.
    """
    spec = spec_for(resource)
    if not file_name:
        file_name = Path(file).name if isinstance(file, str | Path) else getattr(file, "name", "")
    file_name = Path(file_name or "").name
    report, planned = _plan(spec, read_rows(file), user)
    report.file_name, report.dry_run = file_name, dry_run
    if not dry_run:
        with audit.acting_as(audit.current_actor() or user.get_username()):
            for plan in planned:
                try:
                    _save(spec, plan, user)
                except _OutsideJurisdiction:
                    reason = _("不在您的辖区内")
                    report.reject(plan.row, [Problem(plan.row.number, "", "", reason)])
                except (DatabaseError, ValidationError) as error:
                    report.reject(plan.row, [Problem(plan.row.number, "", "", str(error))])
                else:
                    continue
                if plan.created:
                    report.created -= 1
                else:
                    report.updated -= 1
            _record(spec, report)
    report.problems.sort(key=lambda p: p.row)
    report.rejected_rows.sort(key=lambda r: r.number)
    return report


def _record(spec: ResourceSpec, report: ImportReport) -> None:
    counts = {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }
    summary = _(
        "导入%(label)s：%(file)s，共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，"
        "未变 %(unchanged)d，拒绝 %(rejected)d"
    ) % {"label": spec.label, "file": report.file_name, **counts}
    audit.record(
        AuditAction.IMPORT,
        model=spec.model._meta.label,
        summary=summary,
        changes={"resource": spec.slug, "file": report.file_name, **counts},
    )
