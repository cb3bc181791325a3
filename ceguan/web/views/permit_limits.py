"""Permit limits per outlet (list, create, edit, delete) and operations records per facility.

Jurisdiction as everywhere: the outlet (or facility) is looked up through ``visible_to`` (a miss
is 404) and writes need ``editable_by`` (403 for a visible but read-only record). Saves run the
model's ``full_clean()`` (specific errors per field, :mod:`ceguan.screening.permits`) and are
attributed to the user in the audit log (``screening.apps`` connects the audit signals).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ceguan.core.audit import acting_as
from ceguan.registry.models import Facility, Outlet
from ceguan.screening.models import OperationsRecord, PermitLimit


class PermitLimitForm(forms.ModelForm):
    """The permit limit's own fields; the outlet comes from the URL."""

    class Meta:
        model = PermitLimit
        fields = ["pollutant", "period", "value", "unit", "reference_o2", "clause", "verified"]


class OperationsRecordForm(forms.ModelForm):
    """An operations record or fault report; the facility comes from the URL."""

    class Meta:
        model = OperationsRecord
        fields = ["kind", "start", "end", "reported_at", "reported_by", "reference", "note"]
        widgets = {
            name: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            for name in ("start", "end", "reported_at")
        }


def _outlet(request: HttpRequest, pk: int, *, edit: bool) -> Outlet:
    visible = Outlet.objects.visible_to(request.user).select_related("enterprise")
    outlet = get_object_or_404(visible, pk=pk)
    if edit and not Outlet.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    return outlet


def _save(request: HttpRequest, form: forms.ModelForm) -> Any:
    with acting_as(request.user.get_username()), transaction.atomic():
        return form.save()


@login_required
@require_http_methods(["GET", "HEAD"])
def outlet_permit_limits(request: HttpRequest, pk: int) -> HttpResponse:
    """An outlet's permit limits, with links to change them for editors."""
    outlet = _outlet(request, pk, edit=False)
    context = {
        "outlet": outlet,
        "limits": PermitLimit.objects.filter(outlet=outlet),
        "can_edit": Outlet.objects.editable_by(request.user).filter(pk=pk).exists(),
        "facilities": Facility.objects.visible_to(request.user).filter(outlet=outlet),
    }
    return render(request, "web/alarms/permit_limits.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def permit_limit_edit(
    request: HttpRequest, outlet_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    """Create a limit on an outlet (``outlet_pk``) or edit one (``pk``)."""
    instance = None
    if pk is not None:
        instance = get_object_or_404(PermitLimit.objects.visible_to(request.user), pk=pk)
        outlet_pk = instance.outlet_id
    assert outlet_pk is not None
    outlet = _outlet(request, outlet_pk, edit=True)
    if instance is None:
        instance = PermitLimit(outlet=outlet)
    form = PermitLimitForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form)
        messages.success(request, _("已保存：%(obj)s") % {"obj": saved})
        return redirect("outlet-permit-limits", pk=outlet.pk)
    status = 400 if request.method == "POST" else 200
    context = {"outlet": outlet, "form": form, "obj": instance if instance.pk else None}
    return render(request, "web/alarms/permit_limit_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def permit_limit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete one permit limit (audited)."""
    limit = get_object_or_404(PermitLimit.objects.visible_to(request.user), pk=pk)
    outlet = _outlet(request, limit.outlet_id, edit=True)
    if request.method == "POST":
        with acting_as(request.user.get_username()), transaction.atomic():
            limit.delete()
        messages.success(request, _("已删除：%(obj)s") % {"obj": limit})
        return redirect("outlet-permit-limits", pk=outlet.pk)
    return render(request, "web/alarms/permit_limit_delete.html", {"obj": limit, "outlet": outlet})


@login_required
@require_http_methods(["POST"])
def operations_record_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an operations record or fault report for a facility (from its alarm page)."""
    facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
    if not Facility.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    form = OperationsRecordForm(request.POST, instance=OperationsRecord(facility=facility))
    if form.is_valid():
        saved = _save(request, form)
        messages.success(request, _("已保存：%(obj)s") % {"obj": saved})
        return redirect("facility-alarms", pk=pk)
    from ceguan.web.views.alarms import facility_alarms_page

    return facility_alarms_page(request, pk, record_form=form)
