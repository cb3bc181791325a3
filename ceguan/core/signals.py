"""Write logins, failed logins and logouts to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from ceguan.core import audit
from ceguan.core.choices import AuditAction


def _address(request: Any) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    audit.record(
        AuditAction.LOGIN, actor=user.get_username(), summary=_address(request), model="core.User"
    )


def _logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        audit.record(AuditAction.LOGOUT, actor=user.get_username(), model="core.User")


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    audit.record(
        AuditAction.LOGIN_FAILED,
        actor=str(credentials.get("username", ""))[:150],
        summary=_address(request),
        model="core.User",
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
