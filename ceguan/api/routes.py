"""The API object and its routers, mounted at ``/api/`` (docs at ``/api/docs``).

Every operation needs a bearer token or a logged-in session (:mod:`ceguan.api.auth`). A refused
write answers 422 with ``{field: [messages]}``, whether the request did not parse (pydantic) or
the model's ``full_clean()`` refused it, so clients read one error shape.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from ceguan.api.auth import AUTH
from ceguan.api.crud import FieldErrors
from ceguan.api.registry import router as registry_router

#: Parts of a pydantic error location that name where the value came from, not which field.
_LOCATION_PARTS = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})

api = NinjaAPI(title="Ceguan API", version="1", urls_namespace="api", auth=AUTH)
api.add_router("", registry_router)


def field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
    return api.create_response(request, exc.errors, status=422)


def request_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Pydantic's error list as ``{field: [messages]}`` (``__all__`` when no field is named)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        names = [str(part) for part in error.get("loc", ()) if part not in _LOCATION_PARTS]
        # A body's first name is the endpoint's parameter (``payload``), not a field.
        if error.get("loc", ("",))[0] == "body":
            names = names[1:]
        errors.setdefault(".".join(names) or "__all__", []).append(str(error.get("msg", "")))
    return api.create_response(request, errors, status=422)


api.add_exception_handler(FieldErrors, field_errors)
api.add_exception_handler(ValidationError, request_errors)
