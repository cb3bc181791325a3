"""Login: CSRF is enforced, wrong passwords are throttled, the session cookie is protected."""

from __future__ import annotations

import os

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_a_good_login_lands_on_home(client, alice):
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@override_settings(LOGIN_MAX_FAILURES=3)
def test_too_many_failures_lock_out_even_the_right_password(client, alice):
    for _ in range(3):
        page = client.post("/login/", {"username": "alice", "password": "nope-nope-nope"})
        assert page.status_code == 200
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_and_csrf_cookie_settings():
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    if "CEGUAN_SECURE_COOKIES" not in os.environ and not settings.DEBUG:
        assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert any("MinimumLength" in v["NAME"] for v in settings.AUTH_PASSWORD_VALIDATORS)
