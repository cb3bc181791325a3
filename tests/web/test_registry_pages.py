"""Registry pages: lists, detail, edit, delete — and nothing of another city leaks."""

from __future__ import annotations

import pytest

from ceguan.core.models import AuditEntry
from ceguan.registry.models import Enterprise
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(lanzhou, tianshui):
    ours = make_enterprise(lanzhou, name="兰州甲热电")
    theirs = make_enterprise(tianshui, name="天水乙水泥")
    make_facility(ours)
    make_facility(theirs)
    return ours, theirs


def test_a_city_user_lists_only_their_city(client, alice, two_cities):
    client.force_login(alice)
    page = client.get("/r/enterprises/").content.decode()
    assert "兰州甲热电" in page
    assert "天水乙水泥" not in page
    facilities = client.get("/r/facilities/").content.decode()
    assert two_cities[0].outlets.first().facilities.first().mn in facilities
    assert two_cities[1].outlets.first().facilities.first().mn not in facilities


@pytest.mark.parametrize("suffix", ["", "edit/", "delete/"])
def test_another_citys_enterprise_is_not_found(client, alice, two_cities, suffix):
    client.force_login(alice)
    theirs = two_cities[1]
    assert client.get(f"/r/enterprises/{theirs.pk}/{suffix}").status_code == 404


def test_another_citys_enterprise_cannot_be_changed_by_post(client, alice, two_cities):
    client.force_login(alice)
    theirs = two_cities[1]
    response = client.post(f"/r/enterprises/{theirs.pk}/edit/", {"name": "被改了"})
    assert response.status_code == 404
    assert client.post(f"/r/enterprises/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "天水乙水泥"


def test_the_province_sees_both(client, petra, two_cities):
    client.force_login(petra)
    page = client.get("/r/enterprises/").content.decode()
    assert "兰州甲热电" in page and "天水乙水泥" in page


def test_search_and_filter(client, petra, two_cities, tianshui):
    client.force_login(petra)
    page = client.get("/r/enterprises/", {"q": "水泥"}).content.decode()
    assert "天水乙水泥" in page and "兰州甲热电" not in page
    page = client.get("/r/enterprises/", {"city": tianshui.pk}).content.decode()
    assert "天水乙水泥" in page and "兰州甲热电" not in page


def test_editing_validates_and_writes_the_audit_log(client, alice, two_cities, lanzhou):
    client.force_login(alice)
    ours = two_cities[0]
    data = {
        "name": "兰州甲热电（新）",
        "credit_code": ours.credit_code[:-1] + ("0" if ours.credit_code[-1] != "0" else "1"),
        "city": lanzhou.pk,
        "industry": "thermal_power",
        "supervision_category": "key_unit",
        "list_year": 2018,
    }
    bad = client.post(f"/r/enterprises/{ours.pk}/edit/", data)
    assert bad.status_code == 200
    assert "GB 32100-2015" in bad.content.decode()
    data["credit_code"] = ours.credit_code
    good = client.post(f"/r/enterprises/{ours.pk}/edit/", data)
    assert good.status_code == 302
    entry = AuditEntry.objects.filter(model="registry.Enterprise", action="update").last()
    assert entry.actor == "alice"
    assert entry.changes["name"] == ["兰州甲热电", "兰州甲热电（新）"]


def test_a_city_user_cannot_create_in_another_city(client, alice, tianshui):
    client.force_login(alice)
    response = client.post(
        "/r/enterprises/new/",
        {
            "name": "越权企业",
            "credit_code": "91620500MA00000018",
            "city": tianshui.pk,
            "industry": "cement",
            "supervision_category": "non_key",
        },
    )
    assert response.status_code == 200
    assert not Enterprise.objects.filter(name="越权企业").exists()


def test_an_officer_reads_but_cannot_edit(client, officer, two_cities):
    client.force_login(officer)
    ours = two_cities[0]
    assert client.get(f"/r/enterprises/{ours.pk}/").status_code == 200
    assert client.get(f"/r/enterprises/{ours.pk}/edit/").status_code == 403


def test_the_device_password_is_never_shown(client, petra, two_cities):
    client.force_login(petra)
    facility = two_cities[0].outlets.first().facilities.first()
    page = client.get(f"/r/facilities/{facility.pk}/").content.decode()
    assert facility.mn in page
    assert "设备密码" not in page


def test_anonymous_users_are_sent_to_login(client, two_cities):
    response = client.get("/r/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_ui_speaks_english_on_request(client, alice, two_cities):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/r/enterprises/").content.decode()
    assert "Enterprises" in page or "Discharging units" in page
    assert 'lang="en"' in page
