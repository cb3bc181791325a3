"""The import/export page: templates, upload with dry run, the problem report, and exports.

Importing needs a role that may edit (``scope_of(user).can_edit``); everyone signed in may
download templates and export what ``visible_to`` lets them see. The rejected rows of an upload
are kept as ``MEDIA_ROOT/imports/<user id>/<uuid>.xlsx``, so only their uploader can fetch them.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.spreadsheets.columns import SPECS, spec_for
from ceguan.registry.spreadsheets.exporter import export_xlsx, rejected_xlsx, template_xlsx
from ceguan.registry.spreadsheets.importer import run_import
from ceguan.registry.spreadsheets.reader import SpreadsheetError
from ceguan.registry.spreadsheets.spec import ResourceSpec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Problems listed on the page; the rejected-rows workbook always has all of them.
MAX_SHOWN_PROBLEMS = 500
#: Rejected-rows workbooks older than this are removed when the user uploads again.
KEEP_REJECTED_SECONDS = 24 * 3600


class SpreadsheetUploadForm(forms.Form):
    """A form with a ``file`` field that must be a .xlsx or .csv within the upload limit."""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件。"))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and upload.size > limit:
            raise forms.ValidationError(
                _("文件过大（上限 %(mb)d MB），请分批导入。") % {"mb": limit // (1024 * 1024)}
            )
        return upload


class ImportForm(SpreadsheetUploadForm):
    resource = forms.ChoiceField(label=gettext_lazy("数据类型"))
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 或 GBK）")
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅检查，不写入（试导入）"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [(s.slug, s.label) for s in SPECS.values()]


def _spec(resource: str) -> ResourceSpec:
    try:
        return spec_for(resource)
    except KeyError:
        raise Http404(resource) from None


def _download(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _rejected_dir(user: Any) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)


def _keep_rejected(user: Any, data: bytes) -> str:
    """Store a rejected-rows workbook for ``user``; return its token. Drops stale ones."""
    folder = _rejected_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_REJECTED_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = str(uuid.uuid4())
    (folder / f"{token}.xlsx").write_bytes(data)
    return token


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """List resources with template and export links; check or import an uploaded file."""
    if not scope_of(request.user).can_edit:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report, token = None, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = run_import(
                form.cleaned_data["resource"],
                upload,
                request.user,
                dry_run=form.cleaned_data["dry_run"],
                file_name=upload.name,
            )
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            if report.rejected:
                token = _keep_rejected(request.user, rejected_xlsx(report))
    context = {
        "resources": [{"slug": s.slug, "label": s.label} for s in SPECS.values()],
        "form": form,
        "report": report,
        "report_label": _spec(report.resource).label if report else "",
        "problems": report.problems[:MAX_SHOWN_PROBLEMS] if report else [],
        "more_problems": max(0, len(report.problems) - MAX_SHOWN_PROBLEMS) if report else 0,
        "rejected_token": token,
    }
    return render(request, "web/import.html", context)


@login_required
@require_GET
def template_download(request: HttpRequest, resource: str) -> HttpResponse:
    spec = _spec(resource)
    return _download(template_xlsx(resource), _("%(label)s导入模板.xlsx") % {"label": spec.label})


@login_required
@require_GET
def rejected_download(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The rejected rows of one of the user's own uploads (anyone else's token is a 404)."""
    path = _rejected_dir(request.user) / f"{token}.xlsx"
    if not path.is_file():
        raise Http404(str(token))
    return _download(path.read_bytes(), _("被拒绝的行.xlsx"))


@login_required
@require_GET
def export_download(request: HttpRequest, resource: str) -> HttpResponse:
    """Every row of ``resource`` the user may see, in the import template's columns."""
    spec = _spec(resource)
    queryset = spec.model.objects.visible_to(request.user)
    day = timezone.localdate().isoformat()
    return _download(export_xlsx(resource, queryset), f"{spec.label}-{day}.xlsx")
