"""Refused writes answer 422 ``{field: [messages]}``: the model's rules and the request's shape."""

from __future__ import annotations

from typing import Any

from ceguan.registry.models import Facility, Outlet
from tests.api.conftest import make_outlet
from tests.conftest import make_enterprise, make_facility


def test_the_models_own_rules_are_reported_by_field(as_user: Any, alice: Any, lanzhou: Any) -> None:
    enterprise = make_enterprise(lanzhou)
    response = as_user(alice).post(
        "/api/outlets/",
        {"enterprise_id": enterprise.pk, "code": "X1", "medium": "air"},
        "application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert list(body) == ["code"]
    assert all(isinstance(message, str) for message in body["code"])
    assert not Outlet.objects.exists()


def test_errors_on_a_foreign_key_name_its_id_field(as_user: Any, alice: Any, lanzhou: Any) -> None:
    from ceguan.registry.models import Region

    other_county = Region.objects.filter(level="county").exclude(parent=lanzhou).first()
    enterprise = make_enterprise(lanzhou)
    response = as_user(alice).patch(
        f"/api/enterprises/{enterprise.pk}/", {"county_id": other_county.pk}, "application/json"
    )
    assert response.status_code == 422
    assert list(response.json()) == ["county_id"]


def test_a_malformed_request_uses_the_same_error_shape(
    as_user: Any, alice: Any, lanzhou: Any
) -> None:
    outlet = make_outlet(lanzhou, "DA001")
    response = as_user(alice).post(
        "/api/facilities/",
        {"outlet_id": outlet.pk, "kind": "no-such-kind", "installed_on": "yesterday"},
        "application/json",
    )
    assert response.status_code == 422
    assert set(response.json()) == {"kind", "installed_on", "operation_mode"}


def test_a_bad_query_parameter_names_the_parameter(as_user: Any, alice: Any) -> None:
    response = as_user(alice).get("/api/enterprises/", {"city_id": "lanzhou"})
    assert response.status_code == 422
    assert list(response.json()) == ["city_id"]


def test_cross_field_rules_are_checked_on_patch(as_user: Any, alice: Any, lanzhou: Any) -> None:
    facility = make_facility(make_enterprise(lanzhou))
    response = as_user(alice).patch(
        f"/api/facilities/{facility.pk}/", {"installed_on": "2017-05-01"}, "application/json"
    )
    assert response.status_code == 422
    assert list(response.json()) == ["networked_on"]
    facility.refresh_from_db()
    assert str(facility.installed_on) == "2017-03-01"


def test_duplicate_codes_are_refused(as_user: Any, alice: Any, lanzhou: Any) -> None:
    outlet = make_outlet(lanzhou, "DA001")
    response = as_user(alice).post(
        "/api/outlets/",
        {"enterprise_id": outlet.enterprise_id, "code": "DA001", "medium": "air"},
        "application/json",
    )
    assert response.status_code == 422
    assert Outlet.objects.count() == 1


def test_an_empty_mn_means_none_so_two_facilities_may_lack_one(
    as_user: Any, alice: Any, lanzhou: Any
) -> None:
    outlet = make_outlet(lanzhou, "DA001")
    client = as_user(alice)
    for _ in range(2):
        response = client.post(
            "/api/facilities/",
            {"outlet_id": outlet.pk, "kind": "cems", "mn": "", "operation_mode": "none"},
            "application/json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["mn"] is None
    assert Facility.objects.filter(mn__isnull=True).count() == 2


def test_a_record_still_referenced_cannot_be_deleted(
    as_user: Any, alice: Any, lanzhou: Any
) -> None:
    outlet = make_outlet(lanzhou)
    response = as_user(alice).delete(f"/api/enterprises/{outlet.enterprise_id}/")
    assert response.status_code == 409
    assert Outlet.objects.filter(pk=outlet.pk).exists()
