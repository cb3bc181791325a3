"""The baseline survey counts what the registry holds, and invents nothing."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from ceguan.registry.models import Operator, Outlet
from ceguan.registry.survey import survey
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


@pytest.fixture
def province(lanzhou, tianshui):
    """Lanzhou: 4 facilities with one of each blind spot; Tianshui: one clean facility."""
    from ceguan.core.validators import make_credit_code

    operator = Operator.objects.create(
        name="运维甲", credit_code=make_credit_code("91620100MA0000991"), entered_province_year=2015
    )
    plant = make_enterprise(lanzhou, name="甲电厂")
    make_facility(plant)  # networked, accepted, self-operated
    make_facility(plant, code="DA002", accepted_on=None)  # networked, not accepted
    make_facility(plant, code="DA003", operation_mode="none")
    make_facility(
        plant,
        code="DA004",
        operation_mode="third_party",
        operator=operator,
        contract_start=date(2024, 1, 1),
        contract_end=date(2025, 12, 31),
    )
    silent = make_enterprise(lanzhou, name="乙钢厂", supervision_category="national_key")
    make_facility(silent, networked_on=None, accepted_on=None)  # key unit, nothing networked
    bare = make_enterprise(lanzhou, name="丙纸厂", supervision_category="non_key", list_year=None)
    Outlet.objects.create(enterprise=bare, code="DW001", medium="water")
    make_facility(make_enterprise(tianshui, name="丁水泥"))
    return plant, silent, bare


def test_the_province_total_and_per_city_figures(petra, province):
    total, per_city = survey(petra, AS_OF)
    assert total.facilities == 6
    assert (total.installed, total.networked, total.accepted) == (6, 5, 4)
    assert total.by_kind == {"cems": 6}
    assert total.by_operation_mode == {"self": 4, "none": 1, "third_party": 1}
    lanzhou = next(f for f in per_city if f.name == "兰州市")
    assert lanzhou.facilities == 5 and lanzhou.enterprises == 3
    assert len(per_city) == 15  # 14 cities and prefectures + Lanzhou New Area


def test_blind_spots_name_the_records(petra, province):
    _plant, silent, bare = province
    spots = survey(petra, AS_OF)[0].blind_spots
    assert [f.outlet.code for f in spots.networked_not_accepted] == ["DA002"]
    assert [f.outlet.code for f in spots.without_operator] == ["DA003"]
    assert [f.outlet.code for f in spots.contract_expired] == ["DA004"]
    assert spots.key_units_without_networked_facility == [silent]
    assert spots.outlets_without_facility == [bare]


def test_a_contract_ending_on_the_survey_day_is_not_expired(petra, province):
    spots = survey(petra, date(2025, 12, 31))[0].blind_spots
    assert spots.contract_expired == []


def test_fault_and_anomaly_rates_are_no_data_not_zero(petra, province, client):
    total, _ = survey(petra, AS_OF)
    assert total.fault_rate is None and total.anomaly_rate is None
    client.force_login(petra)
    page = client.get("/survey/").content.decode()
    assert "暂无数据" in page


def test_a_city_user_surveys_only_their_city(alice, province):
    total, per_city = survey(alice, AS_OF)
    assert [f.name for f in per_city] == ["兰州市"]
    assert total.facilities == 5


def test_the_export_has_a_row_per_city_and_a_total(client, petra, province):
    client.force_login(petra)
    response = client.get("/survey.xlsx")
    assert response.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "市（州）" and "设施台套数" in rows[0]
    assert len(rows) == 1 + 15 + 1
    total = rows[-1]
    assert total[0] == "合计"
    assert total[rows[0].index("设施台套数")] == 6
    assert total[rows[0].index("设备故障率")] == "暂无数据"


def test_the_cli_prints_the_survey(petra, province, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("survey", "--user", "petra", stdout=out)
    text = out.getvalue()
    assert "兰州市" in text and "设施台套数" in text and "暂无数据" in text
    target = tmp_path / "s.xlsx"
    call_command("survey", "--user", "petra", "--xlsx", str(target), stdout=StringIO())
    assert load_workbook(target).active.max_row == 17


def test_the_flat_row_follows_the_labels_order(petra, province):
    from ceguan.registry.survey import FIGURE_LABELS

    row = survey(petra, AS_OF)[0].as_row()
    assert list(row) == list(FIGURE_LABELS)
    assert row["installed"] == 6 and row["kind_cems"] == 6 and row["mode_none"] == 1
