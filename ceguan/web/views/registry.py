"""Generic list, detail, create, edit and delete pages for every registry resource.

Rows outside the user's jurisdiction do not exist for them: every lookup goes through
``visible_to`` (reads) or ``editable_by`` (writes) and a miss is a 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models.deletion import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ceguan.core.jurisdiction import scope_of
from ceguan.core.models import AuditEntry
from ceguan.registry.models import Region
from ceguan.web.resources import RESOURCES, SECRET_FIELDS, Resource

PAGE_SIZE = 25


def _resource(slug: str) -> Resource:
    try:
        return RESOURCES[slug]
    except KeyError:
        raise Http404(slug) from None


def _field(model: type[models.Model], path: str) -> models.Field:
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(last)


def _filter_choices(resource: Resource, user: Any) -> list[dict[str, Any]]:
    """The filter widgets of a list page: name, label and options (only visible options)."""
    widgets = []
    for path in resource.filters:
        model_field = _field(resource.model, path)
        if model_field.is_relation:
            related = model_field.related_model
            options = [(str(obj.pk), str(obj)) for obj in related.objects.visible_to(user)]
            if related is Region:
                options = [
                    (str(r.pk), str(r))
                    for r in Region.objects.filter(level="city")
                    if scope_of(user).everything or r.pk in scope_of(user).city_ids
                ]
        elif model_field.choices:
            options = [(str(value), str(label)) for value, label in model_field.choices]
        elif isinstance(model_field, models.BooleanField):
            options = [("true", _("是")), ("false", _("否"))]
        else:
            values = (
                resource.model.objects.visible_to(user)
                .order_by(path)
                .values_list(path, flat=True)
                .distinct()
            )
            options = [(str(v), str(v)) for v in values if v is not None]
        widgets.append({"name": path, "label": model_field.verbose_name, "options": options})
    return widgets


def _filtered(resource: Resource, request: HttpRequest) -> models.QuerySet:
    queryset = resource.model.objects.visible_to(request.user)
    if resource.select_related:
        queryset = queryset.select_related(*resource.select_related)
    query = request.GET.get("q", "").strip()
    if query:
        condition = models.Q()
        for path in resource.search:
            condition |= models.Q(**{f"{path}__icontains": query})
        queryset = queryset.filter(condition)
    for path in resource.filters:
        value = request.GET.get(path, "")
        if value == "":
            continue
        model_field = _field(resource.model, path)
        if isinstance(model_field, models.BooleanField):
            queryset = queryset.filter(**{path: value == "true"})
        elif model_field.is_relation:
            if not value.isdigit():
                continue
            queryset = queryset.filter(**{f"{path}_id" if "__" not in path else path: value})
        else:
            queryset = queryset.filter(**{path: value})
    return queryset


def _display(obj: models.Model, name: str) -> Any:
    getter = getattr(obj, f"get_{name}_display", None)
    value = getter() if getter else getattr(obj, name)
    # ISO dates stay on one line in narrow columns and read the same in both languages.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


@login_required
def resource_list(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _resource(slug)
    page = Paginator(_filtered(resource, request), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(obj, [_display(obj, name) for name in resource.columns]) for obj in page]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "resource": resource,
        "verbose_name": resource.model._meta.verbose_name_plural,
        "headers": [_field(resource.model, name).verbose_name for name in resource.columns],
        "rows": rows,
        "page": page,
        "filters": _filter_choices(resource, request.user),
        "current": request.GET,
        "query_string": params.urlencode(),
        "can_edit": scope_of(request.user).can_edit,
    }
    template = "web/registry/_rows.html" if request.headers.get("HX-Request") else None
    return render(request, template or "web/registry/list.html", context)


@login_required
def resource_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    resource = _resource(slug)
    obj = get_object_or_404(resource.model.objects.visible_to(request.user), pk=pk)
    fields = [
        (f.verbose_name, _display(obj, f.name))
        for f in resource.model._meta.concrete_fields
        if f.name not in SECRET_FIELDS and f.name != "id"
    ]
    related = []
    for name in resource.related:
        manager = getattr(obj, name)
        related_model = manager.model
        slug_of = next((r.slug for r in RESOURCES.values() if r.model is related_model), None)
        related.append(
            {
                "label": related_model._meta.verbose_name_plural,
                "slug": slug_of,
                "rows": manager.visible_to(request.user)[:200],
            }
        )
    history = AuditEntry.objects.filter(
        model=resource.model._meta.label, object_id=str(obj.pk)
    ).order_by("-id")[:50]
    editable = resource.model.objects.editable_by(request.user).filter(pk=obj.pk).exists()
    context = {
        "resource": resource,
        "obj": obj,
        "fields": fields,
        "related": related,
        "history": history,
        "can_edit": editable,
    }
    return render(request, "web/registry/detail.html", context)


def _form_class(resource: Resource, user: Any) -> type[forms.ModelForm]:
    scope = scope_of(user)

    class Form(forms.ModelForm):
        class Meta:
            model = resource.model
            fields = resource.form_fields
            widgets = {
                name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                for name in resource.form_fields
                if isinstance(resource.model._meta.get_field(name), models.DateField)
            }
            if "device_password" in resource.form_fields:
                widgets["device_password"] = forms.PasswordInput(render_value=True)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for _name, form_field in self.fields.items():
                if not isinstance(form_field, forms.ModelChoiceField):
                    continue
                queryset = form_field.queryset
                if queryset.model is Region and not scope.everything:
                    form_field.queryset = queryset.filter(
                        models.Q(pk__in=scope.city_ids) | models.Q(parent__in=scope.city_ids)
                    )
                elif hasattr(queryset, "visible_to"):
                    form_field.queryset = queryset.visible_to(user)

    return Form


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    resource = _resource(slug)
    if not scope_of(request.user).can_edit:
        raise PermissionDenied
    instance = None
    if pk is not None:
        instance = get_object_or_404(resource.model.objects.editable_by(request.user), pk=pk)
    form = _form_class(resource, request.user)(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, _("已保存：%(obj)s") % {"obj": obj})
        return HttpResponseRedirect(reverse("resource-detail", args=[slug, obj.pk]))
    context = {
        "resource": resource,
        "form": form,
        "obj": instance,
        "verbose_name": resource.model._meta.verbose_name,
    }
    return render(request, "web/registry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    resource = _resource(slug)
    obj = get_object_or_404(resource.model.objects.editable_by(request.user), pk=pk)
    if request.method == "POST":
        try:
            obj.delete()
        except ProtectedError:
            messages.error(request, _("该记录仍被其他记录引用，不能删除。"))
            return HttpResponseRedirect(reverse("resource-detail", args=[slug, pk]))
        messages.success(request, _("已删除：%(obj)s") % {"obj": obj})
        return HttpResponseRedirect(reverse("resource-list", args=[slug]))
    return render(request, "web/registry/delete.html", {"resource": resource, "obj": obj})
