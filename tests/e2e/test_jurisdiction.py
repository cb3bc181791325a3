"""A city user, in a real browser, cannot reach a second city's enterprise."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, make_enterprise
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_city_user_cannot_see_another_citys_enterprise(page, alice, lanzhou, tianshui):
    ours = make_enterprise(lanzhou, name="兰州测试热电厂")
    theirs = make_enterprise(tianshui, name="天水测试水泥厂")
    log_in(page, "alice", PASSWORD)

    page.goto(f"{page.base}/r/enterprises/")
    table = page.locator("#rows table")
    assert table.get_by_text(ours.name).is_visible()
    assert table.get_by_text(theirs.name).count() == 0

    page.fill("input[name=q]", "天水")
    page.wait_for_timeout(800)
    assert page.locator("#rows").get_by_text(theirs.name).count() == 0

    response = page.goto(f"{page.base}/r/enterprises/{theirs.pk}/")
    assert response.status == 404
    response = page.goto(f"{page.base}/r/enterprises/{ours.pk}/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == ours.name
