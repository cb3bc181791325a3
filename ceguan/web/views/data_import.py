"""The data import page: upload hourly/daily data exported from the national platform (国发平台).

Importing needs a role that may edit (``scope_of(user).can_edit``); rows reach only facilities
in the user's jurisdiction (:mod:`ceguan.telemetry.files`). The rejected rows of an upload are
kept like those of the registry import (``MEDIA_ROOT/imports/<user id>/``) and downloaded through
its ``import-rejected`` URL, so only their uploader can fetch them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.spreadsheets.reader import SpreadsheetError
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.files import KINDS, rejected_workbook, run_file_import
from ceguan.web.views.imports import MAX_SHOWN_PROBLEMS, SpreadsheetUploadForm, _keep_rejected


class DataImportForm(SpreadsheetUploadForm):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("国发平台导出的 Excel（.xlsx）或 CSV（UTF-8 或 GBK）"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("数据类型"),
        required=False,
        help_text=gettext_lazy("文件中有“数据类型”列（小时/日）时可不选"),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅检查，不写入（试导入）"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(kind), DataKind(kind).label) for kind in KINDS]
        self.fields["kind"].choices = [("", _("按文件中的“数据类型”列")), *choices]


@login_required
@require_http_methods(["GET", "POST"])
def data_import_page(request: HttpRequest) -> HttpResponse:
    """Check or import an uploaded data file and show what happened to each row."""
    if not scope_of(request.user).can_edit:
        raise PermissionDenied
    form = DataImportForm(request.POST or None, request.FILES or None)
    report, token = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = run_file_import(
                upload,
                request.user,
                form.cleaned_data["kind"] or None,
                dry_run=form.cleaned_data["dry_run"],
                file_name=upload.name,
            )
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            if report.rejected:
                token = _keep_rejected(request.user, rejected_workbook(report))
    context = {
        "form": form,
        "report": report,
        "kind_label": DataKind(report.kind).label if report and report.kind else "",
        "problems": report.problems[:MAX_SHOWN_PROBLEMS] if report else [],
        "more_problems": max(0, len(report.problems) - MAX_SHOWN_PROBLEMS) if report else 0,
        "rejected_token": token,
    }
    return render(request, "web/data_import.html", context)
