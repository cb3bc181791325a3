"""Permit limits through the API: specific errors per field, normalised codes, one per key."""

from __future__ import annotations

from typing import Any

import pytest

from ceguan.screening.models import PermitLimit
from tests.api.conftest import make_outlet


def payload(outlet: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "outlet_id": outlet.pk,
        "pollutant": "so2",
        "period": "hourly",
        "value": 35.0,
        "unit": "mg/m3",
        "clause": "许可证 916201 表 3",
    }
    data.update(changes)
    return data


@pytest.fixture
def air(lanzhou: Any) -> Any:
    return make_outlet(lanzhou, "DA001")


@pytest.fixture
def water(lanzhou: Any) -> Any:
    return make_outlet(lanzhou, "DW001")


def post(client: Any, data: dict[str, Any]) -> Any:
    return client.post("/api/permit-limits/", data, "application/json")


def test_codes_and_unit_spellings_are_normalised(as_user: Any, alice: Any, air: Any) -> None:
    response = post(as_user(alice), payload(air, pollutant="02", unit="mg/Nm³", reference_o2=6))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["pollutant"], body["unit"], body["reference_o2"]) == ("so2", "mg/m3", 6.0)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"pollutant": "xyz"}, "pollutant", "不是 HJ 212 编码表中的监测因子"),
        ({"pollutant": "cod"}, "pollutant", "不是该类排放口的监测因子"),
        ({"pollutant": "flow", "unit": "m3/s"}, "pollutant", "不是有浓度限值的污染物"),
        ({"pollutant": "o2", "unit": "%"}, "pollutant", "不是有浓度限值的污染物"),
        ({"unit": "mg/L"}, "unit", "mg/m3"),
        ({"value": 0}, "value", "大于 0"),
        ({"value": -5}, "value", "大于 0"),
        ({"reference_o2": 21}, "reference_o2", "0 到 21"),
        ({"reference_o2": -1}, "reference_o2", "0 到 21"),
    ],
)
def test_a_bad_limit_is_refused_on_its_field(
    as_user: Any, alice: Any, air: Any, changes: dict[str, Any], field: str, words: str
) -> None:
    response = post(as_user(alice), payload(air, **changes))
    assert response.status_code == 422
    body = response.json()
    assert list(body) == [field]
    assert words in body[field][0]
    assert not PermitLimit.objects.exists()


def test_water_outlets_take_water_units_and_no_reference_o2(
    as_user: Any, alice: Any, water: Any
) -> None:
    client = as_user(alice)
    ok = post(client, payload(water, pollutant="w01018", unit="mg/L", period="daily", value=50))
    assert ok.status_code == 201 and ok.json()["pollutant"] == "cod"
    mercury = post(client, payload(water, pollutant="hg", unit="μg/L", value=1))
    assert mercury.status_code == 201 and mercury.json()["unit"] == "ug/L"
    refused = post(client, payload(water, pollutant="nh3n", unit="mg/L", reference_o2=6))
    assert refused.status_code == 422 and list(refused.json()) == ["reference_o2"]


def test_a_second_limit_for_the_same_pollutant_and_period_is_refused(
    as_user: Any, alice: Any, air: Any
) -> None:
    client = as_user(alice)
    assert post(client, payload(air)).status_code == 201
    again = post(client, payload(air, pollutant="a21026", value=50))
    assert again.status_code == 422
    assert list(again.json()) == ["period"]
    assert post(client, payload(air, period="daily")).status_code == 201


def test_a_city_cannot_set_a_limit_on_another_citys_outlet(
    as_user: Any, bob: Any, air: Any
) -> None:
    response = post(as_user(bob), payload(air))
    assert response.status_code == 422
    assert list(response.json()) == ["outlet_id"]
    assert not PermitLimit.objects.exists()
