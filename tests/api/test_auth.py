"""Bearer tokens, browser sessions (with CSRF) and the ``ceguan token`` command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ceguan.core.models import ApiToken, AuditEntry
from tests.api.conftest import credit_code

CSRF_SECRET = "abcdefghijklmnopqrstuvwxyz012345"  # 32 characters, the form Django stores


def enterprise_payload(city: Any) -> dict[str, Any]:
    return {
        "name": "会话企业",
        "credit_code": credit_code(city),
        "city_id": city.pk,
        "industry": "paper",
        "supervision_category": "non_key",
    }


def test_a_valid_token_authenticates_and_is_stamped(alice: Any) -> None:
    token, key = ApiToken.issue(alice, "laptop")
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/enterprises/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer ", "bearer nope nope"])
def test_a_wrong_token_is_401(alice: Any, header: str) -> None:
    ApiToken.issue(alice, "laptop")
    assert Client(headers={"Authorization": header}).get("/api/enterprises/").status_code == 401


def test_a_wrong_token_is_401_even_with_a_session(alice: Any) -> None:
    client = Client(headers={"Authorization": "Bearer wrong"})
    client.force_login(alice)
    assert client.get("/api/enterprises/").status_code == 401


def test_an_inactive_users_token_is_401(alice: Any) -> None:
    _, key = ApiToken.issue(alice, "laptop")
    alice.is_active = False
    alice.save()
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/enterprises/").status_code == 401


def test_token_writes_are_audited_as_the_tokens_user(alice: Any, lanzhou: Any) -> None:
    _, key = ApiToken.issue(alice, "script")
    client = Client(headers={"Authorization": f"Bearer {key}"}, enforce_csrf_checks=True)
    response = client.post("/api/enterprises/", enterprise_payload(lanzhou), "application/json")
    assert response.status_code == 201  # no CSRF for a bearer token: browsers cannot forge it
    entry = AuditEntry.objects.get(
        model="registry.Enterprise", object_id=str(response.json()["id"])
    )
    assert entry.actor == "alice"


def test_a_logged_in_browser_reads_with_its_session(alice: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/enterprises/").status_code == 200


def test_a_session_write_needs_the_csrf_token(alice: Any, lanzhou: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    refused = client.post("/api/enterprises/", enterprise_payload(lanzhou), "application/json")
    assert refused.status_code == 403

    client.cookies["csrftoken"] = CSRF_SECRET
    accepted = client.post(
        "/api/enterprises/",
        enterprise_payload(lanzhou),
        "application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert accepted.status_code == 201, accepted.content
    entry = AuditEntry.objects.get(
        model="registry.Enterprise", object_id=str(accepted.json()["id"])
    )
    assert entry.actor == "alice"


def test_the_command_prints_a_working_key_once(alice: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("token", "create", "alice", "数据报送脚本", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=alice)
    assert (token.name, token.digest) == ("数据报送脚本", ApiToken.digest_of(key))
    assert key not in err.getvalue()
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/regions/")
    assert response.status_code == 200


def test_the_command_lists_and_revokes_tokens(alice: Any) -> None:
    token, key = ApiToken.issue(alice, "laptop")
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert "laptop" in listing.getvalue()
    assert key not in listing.getvalue()
    call_command("token", "revoke", str(token.pk), stdout=StringIO())
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/regions/").status_code == 401
    )


def test_the_command_refuses_an_unknown_user(db: Any) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody", "x", stdout=StringIO())
