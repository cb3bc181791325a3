"""Who is calling the API: a bearer token, or the logged-in browser session.

``Authorization: Bearer <key>`` is looked up by the key's SHA-256 (only digests are stored, see
:class:`ceguan.core.models.ApiToken`). A header naming the bearer scheme with an unknown key is
refused outright (401), even when a session cookie is also sent. Without the header, the Django
session is used, and then Django's CSRF check applies to unsafe methods, as for any form post.
Either way ``request.auth`` (and ``request.auth_user``) is the :class:`~ceguan.core.models.User`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from ceguan.core.models import ApiToken, User

#: ``last_used`` is refreshed at most this often, so a busy client does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` checked against the stored token digests."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        api_token = (
            ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        )
        if api_token is None or not api_token.user.is_active:
            # A wrong key is an error, not a reason to fall back to the session.
            raise AuthenticationError
        now = timezone.now()
        if api_token.last_used is None or now - api_token.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used=now)
        return _authenticated(request, api_token.user)


class SessionAuth(APIKeyCookie):
    """The Django session of a logged-in browser user, with CSRF enforced on unsafe methods.

    Unlike ``ninja.security.django_auth``, an anonymous request is answered 401 (not a CSRF 403):
    the CSRF check only runs once a session user is present.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)  # checks CSRF, then calls authenticate()

    def authenticate(self, request: HttpRequest, key: str | None) -> User:
        return _authenticated(request, request.user)  # type: ignore[arg-type]


def _authenticated(request: HttpRequest, user: User) -> User:
    request.auth_user = user  # type: ignore[attr-defined]
    return user


def auth_user(request: HttpRequest) -> User:
    """The user an authenticated API request acts for."""
    user: Any = getattr(request, "auth_user", None) or getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError
    return user


#: The API's authentication, tried in this order.
AUTH = [TokenAuth(), SessionAuth()]
