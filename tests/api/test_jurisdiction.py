"""Jurisdiction beyond the generic contract: agencies, and writes that would leave one's city."""

from __future__ import annotations

from typing import Any

from ceguan.core.models import AuditEntry
from ceguan.registry.models import Enterprise, Outlet, Personnel
from tests.api.conftest import make_agency, make_outlet, make_personnel
from tests.conftest import make_enterprise


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_an_agency_user_sees_only_its_agency_and_its_personnel(
    as_user: Any, agency_user: Any, lanzhou: Any
) -> None:
    own = agency_user.agency
    other = make_agency(lanzhou)
    own_staff, other_staff = make_personnel(agency=own), make_personnel(agency=other)
    city_staff = make_personnel(city=lanzhou)
    make_enterprise(lanzhou)
    client = as_user(agency_user)

    assert ids(client.get("/api/agencies/")) == {own.pk}
    assert ids(client.get("/api/personnel/")) == {own_staff.pk}
    assert ids(client.get("/api/enterprises/")) == set()
    assert len(ids(client.get("/api/regions/", {"limit": 500}))) > 100  # geography is public
    for path in (
        f"/api/agencies/{other.pk}/",
        f"/api/personnel/{other_staff.pk}/",
        f"/api/personnel/{city_staff.pk}/",
    ):
        assert client.get(path).status_code == 404, path


def test_an_agency_user_may_not_change_even_its_own_agency(as_user: Any, agency_user: Any) -> None:
    client = as_user(agency_user)
    path = f"/api/agencies/{agency_user.agency.pk}/"
    assert client.patch(path, {"name": "改名"}, "application/json").status_code == 403


def test_a_city_user_cannot_hang_an_outlet_on_another_citys_enterprise(
    as_user: Any, alice: Any, tianshui: Any
) -> None:
    theirs = make_enterprise(tianshui)
    response = as_user(alice).post(
        "/api/outlets/",
        {"enterprise_id": theirs.pk, "code": "DA001", "medium": "air"},
        "application/json",
    )
    assert response.status_code == 422
    assert list(response.json()) == ["enterprise_id"]
    assert not Outlet.objects.exists()


def test_a_missing_and_a_hidden_parent_get_the_same_answer(
    as_user: Any, alice: Any, tianshui: Any
) -> None:
    hidden = make_enterprise(tianshui)
    client = as_user(alice)
    answers = [
        client.post(
            "/api/outlets/",
            {"enterprise_id": pk, "code": "DA001", "medium": "air"},
            "application/json",
        ).json()
        for pk in (hidden.pk, hidden.pk + 1000)
    ]
    assert answers[0] == answers[1]


def test_a_city_user_cannot_create_an_enterprise_in_another_city(
    as_user: Any, alice: Any, tianshui: Any
) -> None:
    from tests.api.conftest import credit_code

    audit_rows = AuditEntry.objects.count()
    response = as_user(alice).post(
        "/api/enterprises/",
        {
            "name": "越权企业",
            "credit_code": credit_code(tianshui),
            "city_id": tianshui.pk,
            "industry": "cement",
            "supervision_category": "non_key",
        },
        "application/json",
    )
    assert response.status_code == 422
    assert list(response.json()) == ["city_id"]
    assert not Enterprise.objects.filter(name="越权企业").exists()
    assert AuditEntry.objects.count() == audit_rows  # the refused save was rolled back


def test_a_city_user_cannot_move_a_record_to_another_city(
    as_user: Any, alice: Any, lanzhou: Any, tianshui: Any
) -> None:
    mine, theirs = make_outlet(lanzhou), make_enterprise(tianshui)
    client = as_user(alice)
    moved = client.patch(
        f"/api/enterprises/{mine.enterprise.pk}/", {"city_id": tianshui.pk}, "application/json"
    )
    assert (moved.status_code, list(moved.json())) == (422, ["city_id"])
    rehung = client.patch(
        f"/api/outlets/{mine.pk}/", {"enterprise_id": theirs.pk}, "application/json"
    )
    assert (rehung.status_code, list(rehung.json())) == (422, ["enterprise_id"])
    mine.refresh_from_db()
    assert (mine.enterprise_id, mine.enterprise.city_id) != (theirs.pk, tianshui.pk)
    assert mine.enterprise.city_id == lanzhou.pk


def test_a_city_user_cannot_create_agency_personnel(as_user: Any, alice: Any, lanzhou: Any) -> None:
    agency = make_agency(lanzhou)
    response = as_user(alice).post(
        "/api/personnel/",
        {"name": "钱七", "kind": "monitor", "certificate_number": "JC-X-1", "agency_id": agency.pk},
        "application/json",
    )
    assert response.status_code == 422
    assert not Personnel.objects.filter(certificate_number="JC-X-1").exists()


def test_a_county_user_covers_the_whole_city(as_user: Any, lanzhou: Any) -> None:
    from ceguan.core.choices import Role
    from ceguan.registry.models import Region
    from tests.conftest import make_user

    county_user = make_user("carl", Role.CITY_STAFF, Region.objects.get(code="620102"))
    enterprise = make_enterprise(lanzhou)
    assert ids(as_user(county_user).get("/api/enterprises/")) == {enterprise.pk}
