"""Spreadsheet export: the import template's columns, the user's rows, and a lossless round trip."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from ceguan.registry import models as m
from ceguan.registry.spreadsheets.columns import SPECS
from ceguan.registry.spreadsheets.exporter import export_xlsx, template_xlsx
from ceguan.registry.spreadsheets.importer import run_import
from tests.registry.conftest import credit_code, read_back

pytestmark = pytest.mark.django_db

#: Import order: referenced rows first.
ORDER = ["operators", "agencies", "enterprises", "outlets", "facilities", "personnel", "contacts"]


@pytest.fixture
def registry(lanzhou: Any, tianshui: Any) -> dict[str, Any]:
    """One of everything, with every optional column filled somewhere."""
    chengguan = m.Region.objects.get(code="620102")
    operator = m.Operator.objects.create(
        name="甘肃环保运维有限公司", credit_code=credit_code(1), entered_province_year=2019,
        phone="0931-8888888",
    )  # fmt: skip
    agency = m.TestingAgency.objects.create(
        name="兰州检测有限公司", credit_code=credit_code(2), cma_number="231234567890",
        cma_valid_until=date(2027, 6, 30), city=lanzhou,
    )  # fmt: skip
    plant = m.Enterprise.objects.create(
        name="=兰州热电", credit_code=credit_code(3), city=lanzhou, county=chengguan,
        industry="thermal_power", supervision_category="national_key", list_year=2024,
        permit_number="91620100MA0000003X001P", address="城关区1号",
        longitude=Decimal("103.834170"), latitude=Decimal("36.061089"),
    )  # fmt: skip
    other = m.Enterprise.objects.create(
        name="天水污水处理厂", credit_code=credit_code(4, "620500"), city=tianshui,
        industry="wastewater_treatment", supervision_category="non_key",
    )  # fmt: skip
    stack = m.Outlet.objects.create(enterprise=plant, code="DA001", name="1号烟囱", medium="air")
    drain = m.Outlet.objects.create(enterprise=other, code="DW001", medium="water")
    m.Facility.objects.create(
        outlet=stack, kind="cems", mn="62010000000001", device_password="secret",
        manufacturer="聚光", model_name="CEMS-2000", installed_on=date(2019, 3, 1),
        networked_on=date(2019, 4, 1), accepted_on=date(2019, 6, 1),
        operation_mode="third_party", operator=operator,
        contract_start=date(2024, 1, 1), contract_end=date(2026, 12, 31),
    )  # fmt: skip
    m.Facility.objects.create(outlet=drain, kind="water_analyzers", operation_mode="none")
    m.Personnel.objects.create(
        name="李四", kind="officer", certificate_number="ZF-0001",
        certificate_valid_until=date(2028, 1, 1), city=lanzhou, phone="13900000000",
    )  # fmt: skip
    m.Personnel.objects.create(
        name="王五", kind="monitor", certificate_number="JC-0002", agency=agency, active=False
    )
    m.DesignatedContact.objects.create(
        city=lanzhou, plan_year=2024, name="赵六", phone="0931-1", reported_on=date(2024, 4, 20)
    )
    return {"plant": plant, "other": other}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every importable row by natural key, without ids and stamps, references by natural key."""

    def plain(obj: models.Model) -> dict[str, Any]:
        values = model_to_dict(obj, exclude=["id", "created", "last_updated"])
        for field in obj._meta.concrete_fields:
            if field.is_relation and getattr(obj, field.name) is not None:
                values[field.name] = str(getattr(obj, field.name))
        return values

    return {
        slug: sorted((plain(obj) for obj in spec.model.objects.all()), key=str)
        for slug, spec in SPECS.items()
    }


def test_an_export_imports_back_unchanged(petra: Any, registry: Any) -> None:
    for slug in ORDER:
        data = export_xlsx(slug, SPECS[slug].model.objects.all())

        report = run_import(slug, data, petra)

        assert (report.created, report.updated, report.rejected) == (0, 0, 0), report.problems
        assert report.unchanged == SPECS[slug].model.objects.count() > 0


def test_an_export_rebuilds_the_registry_in_an_empty_database(petra: Any, registry: Any) -> None:
    before = snapshot()
    exports = {slug: export_xlsx(slug, SPECS[slug].model.objects.all()) for slug in ORDER}
    for slug in reversed(ORDER):
        SPECS[slug].model.objects.all().delete()

    for slug in ORDER:
        report = run_import(slug, exports[slug], petra)
        assert report.rejected == 0, report.problems

    after = snapshot()
    for row in before["facilities"]:
        row["device_password"] = ""  # never exported, so a rebuilt facility has none
    assert after == before


def test_a_city_user_exports_only_their_city(alice: Any, registry: Any, tmp_path: Any) -> None:
    out = tmp_path / "企业.xlsx"

    call_command("export", "enterprises", str(out), user="alice", stdout=io.StringIO())

    header, *rows = read_back(out.read_bytes())
    assert header[:3] == ["单位名称", "统一社会信用代码", "市（州）"]
    assert [row[1] for row in rows] == [registry["plant"].credit_code]


def test_text_that_looks_like_a_formula_stays_text(registry: Any) -> None:
    data = export_xlsx("enterprises", m.Enterprise.objects.filter(pk=registry["plant"].pk))

    cell = load_workbook(io.BytesIO(data)).active["A2"]

    assert (cell.value, cell.data_type) == ("=兰州热电", "s")


def test_the_device_password_is_never_exported(registry: Any) -> None:
    header, *rows = read_back(export_xlsx("facilities", m.Facility.objects.all()))

    assert "设备密码" not in header
    assert not any("secret" in map(str, row) for row in rows)


@pytest.mark.parametrize("slug", sorted(SPECS))
def test_the_template_has_the_import_columns_and_imports_as_nothing(petra: Any, slug: str) -> None:
    data = template_xlsx(slug)

    header = read_back(data)[0]
    notes = read_back(data, sheet=1)
    assert header == [c.header for c in SPECS[slug].columns if c.parse is not None]
    assert notes[0] == ["列名", "必填", "说明"]
    assert [row[0] for row in notes[1 : len(header) + 1]] == header
    report = run_import(slug, data, petra)
    assert (report.rows, report.problems) == (0, [])


class TestDownloads:
    def test_the_export_view_is_scoped_to_the_user(
        self, client: Any, bob: Any, registry: Any
    ) -> None:
        client.force_login(bob)

        response = client.get(reverse("export", args=["enterprises"]))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        assert [row[1] for row in read_back(response.content)[1:]] == [
            registry["other"].credit_code
        ]

    def test_the_template_view_serves_a_workbook(self, client: Any, audrey: Any) -> None:
        client.force_login(audrey)

        response = client.get(reverse("import-template", args=["facilities"]))

        assert response.status_code == 200
        assert read_back(response.content)[0][0] == "排污单位统一社会信用代码"

    def test_unknown_resources_and_anonymous_users_are_turned_away(
        self, client: Any, audrey: Any
    ) -> None:
        url = reverse("export", args=["enterprises"])
        assert client.get(url).status_code == 302
        client.force_login(audrey)
        assert client.get(reverse("export", args=["regions"])).status_code == 404
