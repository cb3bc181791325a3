"""The public verify page (issue 5 §3, §8): anyone re-runs a draw from its bundle."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ceguan.targeting.bundle import make_bundle

pytestmark = pytest.mark.django_db

UNITS = [("f1", 1), ("f2", 3), ("f3", 2), ("f4", "0.5"), ("f5", 4)]


def _bundle_json(**changes: object) -> str:
    data = json.loads(make_bundle(UNITS, n=2, floor=0.1, secret=bytes(range(16))).to_json())
    data.update(changes)
    return json.dumps(data)


def test_the_page_is_public() -> None:
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert 'name="bundle"' in response.content.decode()


def test_an_untouched_bundle_matches_when_uploaded() -> None:
    upload = SimpleUploadedFile("draw.json", _bundle_json().encode(), "application/json")
    response = Client().post("/verify/", {"bundle": upload})
    assert response.status_code == 200
    assert response.context["match"] is True
    assert response.context["reasons"] == []
    assert response.context["bundle"]["population"] == len(UNITS)
    assert 'data-match="true"' in response.content.decode()


def test_a_changed_weight_is_a_mismatch_with_its_reason() -> None:
    data = json.loads(_bundle_json())
    data["population"][0][1] = "9"  # f1's weight, after the draw
    response = Client().post("/verify/", {"text": json.dumps(data)})
    assert response.context["match"] is False
    checks = [r.split(":", 1)[0] for r in response.context["reasons"]]
    assert "population_hash" in checks
    assert 'data-match="false"' in response.content.decode()


def test_a_different_secret_breaks_the_commitment() -> None:
    response = Client().post("/verify/", {"text": _bundle_json(secret="ff" * 16)})
    assert response.context["match"] is False
    assert any(r.startswith("commitment:") for r in response.context["reasons"])


def test_malformed_bundles_get_a_specific_error() -> None:
    client = Client()
    response = client.post("/verify/", {"text": "{not json"})
    assert response.status_code == 400
    assert "JSON" in response.context["error"]
    response = client.post("/verify/", {"text": _bundle_json(n="two")})
    assert response.status_code == 400
    assert "n: must be an integer" in response.context["error"]
    response = client.post("/verify/", {"text": ""})
    assert response.status_code == 400


def test_the_form_needs_the_csrf_token() -> None:
    response = Client(enforce_csrf_checks=True).post("/verify/", {"text": _bundle_json()})
    assert response.status_code == 403
