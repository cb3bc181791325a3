"""The landing page: where to go, and for the province the designated contacts' reporting."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.contacts import ON_TIME, contact_deadline, contact_statuses


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"overdue_contacts": None}
    scope = scope_of(request.user)
    if scope.is_staff:
        today = timezone.localdate()
        deadline, value = contact_deadline(today.year)
        statuses = contact_statuses(request.user, today.year, today)
        context.update(
            plan_year=today.year,
            contact_deadline=deadline,
            contact_deadline_source=value.reference.title,
            contact_deadline_verified=value.verified,
            overdue_contacts=[
                {"city": s.city, "status": s.label} for s in statuses if s.status != ON_TIME
            ],
        )
    return render(request, "web/home.html", context)
