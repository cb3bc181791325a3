"""The public verify page (issue 5 §3, §8): anyone checks a draw against what its plan published."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ceguan.targeting.bundle import Bundle, make_bundle
from ceguan.targeting.ceremony import commit_plan, create_plan, draw_plan, freeze_plan
from ceguan.targeting.models import QuarterlyPlan
from tests.targeting import conftest as targeting
from tests.targeting.conftest import FREEZE_DAY

# The targeting tests' fixtures: their clock (autouse: the freeze day of 2026Q1) and world.
clock = targeting.clock
world = targeting.world

pytestmark = pytest.mark.django_db

UNITS = [("f1", 1), ("f2", 3), ("f3", 2), ("f4", "0.5"), ("f5", 4)]


def _bundle_json(**changes: object) -> str:
    data = json.loads(make_bundle(UNITS, n=2, floor=0.1, secret=bytes(range(16))).to_json())
    data.update(changes)
    return json.dumps(data)


def drawn_plan(user: Any, city: Any) -> QuarterlyPlan:
    plan = create_plan(user, city, 2026, 1)
    commit_plan(plan, user)
    freeze_plan(plan, user, on=FREEZE_DAY)
    return draw_plan(plan, user)


def test_the_page_is_public() -> None:
    response = Client().get("/verify/")
    assert response.status_code == 200
    assert 'name="bundle"' in response.content.decode()


def test_a_bundle_no_plan_published_is_only_self_consistent() -> None:
    upload = SimpleUploadedFile("draw.json", _bundle_json().encode(), "application/json")
    response = Client().post("/verify/", {"bundle": upload})
    assert response.status_code == 200
    assert response.context["match"] is True and response.context["plan"] is None
    assert response.context["notes"]  # says it was checked against itself only
    assert response.context["bundle"]["population"] == len(UNITS)
    assert 'data-match="self-only"' in response.content.decode()


def test_a_changed_weight_is_a_mismatch_with_its_reason() -> None:
    data = json.loads(_bundle_json())
    data["population"][0][1] = "9"  # f1's weight, after the draw
    response = Client().post("/verify/", {"text": json.dumps(data)})
    assert response.context["match"] is False
    checks = [r.split(":", 1)[0] for r in response.context["reasons"]]
    assert "population_hash" in checks
    assert 'data-match="false"' in response.content.decode()


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


def test_a_plans_commitment_is_public_before_the_freeze(world: Any, alice: Any) -> None:
    plan = create_plan(alice, world.lanzhou, 2026, 1)
    page = Client().get("/verify/").content.decode()
    assert f'data-plan="{plan.pk}"' not in page  # a draft publishes nothing
    commit_plan(plan, alice)
    plan.refresh_from_db()
    page = Client().get("/verify/").content.decode()
    assert f'data-plan="{plan.pk}"' in page and plan.commitment in page


def test_the_real_bundle_matches_its_plan(world: Any, alice: Any) -> None:
    plan = drawn_plan(alice, world.lanzhou)
    response = Client().post("/verify/", {"text": plan.bundle})
    assert response.context["match"] is True, response.context["reasons"]
    assert response.context["plan"].pk == plan.pk
    assert 'data-match="true"' in response.content.decode()


def test_a_forged_bundle_under_the_plans_commitment_fails_without_leaking_the_draw(
    world: Any, alice: Any
) -> None:
    """A secret chosen after the freeze gives a self-consistent bundle; the published commitment
    exposes it, and the answer must not name the facilities the plan really drew."""
    plan = drawn_plan(alice, world.lanzhou)
    real = Bundle.from_json(plan.bundle)
    forged = make_bundle(real.population, real.n, real.floor, b"chosen-after-the-freeze!")
    response = Client().post("/verify/", {"text": forged.to_json(), "commitment": plan.commitment})
    assert response.context["match"] is False
    checks = {r.split(":", 1)[0] for r in response.context["reasons"]}
    assert "published_commitment" in checks
    if forged.selected != real.selected:
        for reason in response.context["reasons"]:
            assert str(list(real.selected)) not in reason


def test_the_bundle_file_is_public_only_after_the_quarter(world: Any, alice: Any) -> None:
    plan = drawn_plan(alice, world.lanzhou)
    url = f"/verify/plans/{plan.pk}/bundle.json"
    assert Client().get(url).status_code == 404  # visits are unannounced until the quarter ends
    with time_machine.travel("2026-04-01 09:00 +0800"):
        response = Client().get(url)
        assert response.status_code == 200
        assert response.content.decode() == plan.bundle
        assert "attachment" in response["Content-Disposition"]
        assert "下载" in Client().get("/verify/").content.decode()
