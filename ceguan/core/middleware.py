"""Attach the logged-in user to audit entries written while serving a request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ceguan.core.audit import acting_as


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else ""
        with acting_as(actor):
            return self.get_response(request)
