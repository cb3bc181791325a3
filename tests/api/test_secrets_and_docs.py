"""``device_password`` is write-only everywhere; the OpenAPI document and its page load."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ceguan.core.models import AuditEntry
from ceguan.registry.models import Facility
from tests.api.conftest import make_outlet
from tests.conftest import make_enterprise, make_facility

PASSWORD = "pw-7Gq2-secret"


def test_device_password_is_accepted_but_never_returned(
    as_user: Any, alice: Any, lanzhou: Any
) -> None:
    client = as_user(alice)
    outlet = make_outlet(lanzhou, "DA001")
    payload = {
        "outlet_id": outlet.pk,
        "kind": "cems",
        "mn": "62010000000042",
        "device_password": PASSWORD,
        "operation_mode": "self",
    }
    created = client.post("/api/facilities/", payload, "application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert Facility.objects.get(pk=pk).device_password == PASSWORD
    make_facility(make_enterprise(lanzhou), device_password=PASSWORD)
    responses = [
        created,
        client.get("/api/facilities/"),
        client.get(f"/api/facilities/{pk}/"),
        client.get("/api/facilities/", {"device_password": PASSWORD}),
        client.patch(f"/api/facilities/{pk}/", {"device_password": PASSWORD}, "application/json"),
        client.put(f"/api/facilities/{pk}/", payload, "application/json"),
        client.patch(
            f"/api/facilities/{pk}/", {"device_password": PASSWORD * 3}, "application/json"
        ),
    ]
    for response in responses:
        assert response.status_code in {200, 201, 422}
        assert PASSWORD not in response.content.decode()
        assert "device_password" not in response.content.decode() or response.status_code == 422


def test_device_password_is_absent_from_the_output_schema(db: Any) -> None:
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert "device_password" not in schemas["FacilityOut"]["properties"]
    assert "device_password" in schemas["FacilityIn"]["properties"]


def test_the_api_docs_and_openapi_document_load(db: Any) -> None:
    client = Client()
    assert client.get("/api/docs").status_code == 200
    document = client.get("/api/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    for slug in ("regions", "enterprises", "outlets", "facilities", "operators", "agencies"):
        assert f"/api/{slug}/" in paths
    schemes = document.json()["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def test_a_put_without_the_password_keeps_it(as_user: Any, alice: Any, lanzhou: Any) -> None:
    facility = make_facility(make_enterprise(lanzhou), device_password=PASSWORD)
    client = as_user(alice)
    path = f"/api/facilities/{facility.pk}/"
    record = client.get(path).json()
    record["manufacturer"] = "先河环保"
    assert client.put(path, record, "application/json").status_code == 200
    facility.refresh_from_db()
    assert (facility.manufacturer, facility.device_password) == ("先河环保", PASSWORD)


def test_the_audit_log_does_not_keep_device_passwords(
    as_user: Any, alice: Any, lanzhou: Any
) -> None:
    outlet = make_outlet(lanzhou, "DA001")
    payload = {
        "outlet_id": outlet.pk,
        "kind": "cems",
        "device_password": PASSWORD,
        "operation_mode": "self",
    }
    assert as_user(alice).post("/api/facilities/", payload, "application/json").status_code == 201
    assert not [entry for entry in AuditEntry.objects.all() if PASSWORD in str(entry.changes)]
