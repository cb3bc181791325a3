"""Spreadsheet import: valid rows in, invalid rows reported with row, column, value and reason."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from ceguan.core.jurisdiction import Scope
from ceguan.core.models import AuditEntry
from ceguan.registry.models import Enterprise, Facility, Operator, Outlet, Personnel
from ceguan.registry.models import TestingAgency as Agency
from ceguan.registry.spreadsheets import cells
from ceguan.registry.spreadsheets.cells import CellError, RowContext
from ceguan.registry.spreadsheets.exporter import rejected_xlsx
from ceguan.registry.spreadsheets.importer import plan_import, run_import
from ceguan.registry.spreadsheets.reader import read_rows
from ceguan.registry.spreadsheets.report import Problem
from tests.registry.conftest import (
    ENTERPRISE_HEADERS,
    FACILITY_HEADERS,
    credit_code,
    csv_bytes,
    enterprise,
    read_back,
    three_enterprises,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def test_valid_rows_go_in_and_the_bad_credit_code_is_reported(petra: Any) -> None:
    data, codes = three_enterprises()

    report = run_import("enterprises", data, petra, file_name="企业.xlsx")

    assert (report.rows, report.created, report.rejected) == (3, 2, 1)
    assert set(Enterprise.objects.values_list("credit_code", flat=True)) == {codes[0], codes[2]}
    good = credit_code(2)[17]
    reason = f"统一社会信用代码无效：check character is {codes[1][17]}, GB 32100-2015 gives {good}"
    assert report.problems == [Problem(3, "统一社会信用代码", codes[1], reason)]
    steel = Enterprise.objects.get(credit_code=codes[2])
    assert (steel.city.name, steel.industry, steel.list_year) == ("天水市", "steel", 2023)


def test_the_rejected_workbook_holds_the_bad_row_with_a_reason_column(petra: Any) -> None:
    data, codes = three_enterprises()
    report = run_import("enterprises", data, petra)

    header, *rows = read_back(rejected_xlsx(report))

    assert header == [*ENTERPRISE_HEADERS, "原行号", "原因"]
    assert len(rows) == 1
    assert rows[0][:6] == ["乙水泥", codes[1], "620100", "cement", "non_key", None]
    assert rows[0][6] == 3
    assert rows[0][7].startswith("统一社会信用代码：统一社会信用代码无效：check character is")


def test_a_dry_run_writes_nothing_but_counts_what_would_happen(petra: Any) -> None:
    data, _codes = three_enterprises()
    entries = AuditEntry.objects.count()

    report = run_import("enterprises", data, petra, dry_run=True)

    assert (report.created, report.rejected, report.dry_run) == (2, 1, True)
    assert Enterprise.objects.count() == 0
    assert AuditEntry.objects.count() == entries
    planned = plan_import("enterprises", read_rows(data), petra)
    assert (planned.created, planned.problems) == (2, report.problems)


def test_importing_again_is_idempotent_and_updates_a_changed_field(petra: Any) -> None:
    data, codes = three_enterprises()
    run_import("enterprises", data, petra)

    again = run_import("enterprises", data, petra)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    renamed = xlsx_bytes(
        ENTERPRISE_HEADERS, [["甲热电厂", codes[0], "兰州市", "火电", "重点排污单位名录", 2024]]
    )
    changed = run_import("enterprises", renamed, petra)
    assert (changed.created, changed.updated) == (0, 1)
    assert Enterprise.objects.count() == 2
    assert Enterprise.objects.get(credit_code=codes[0]).name == "甲热电厂"


def test_an_unknown_city_is_reported_in_its_column(petra: Any) -> None:
    data = xlsx_bytes(
        ENTERPRISE_HEADERS, [["丁厂", credit_code(4), "火星市", "其他", "非重点", None]]
    )

    report = run_import("enterprises", data, petra)

    assert report.problems == [Problem(2, "市（州）", "火星市", "未知的市（州）")]


def test_a_model_rule_is_reported_under_its_column(petra: Any) -> None:
    """Enterprise.clean(): a key unit needs its list year."""
    data = xlsx_bytes(
        ENTERPRISE_HEADERS, [["戊厂", credit_code(5), "兰州市", "其他", "key_unit", ""]]
    )

    report = run_import("enterprises", data, petra)

    assert report.problems == [Problem(2, "名录年份", "", "重点监控或名录单位须填写名录年份。")]


def test_a_duplicate_credit_code_in_the_file_names_the_earlier_row(petra: Any) -> None:
    code = credit_code(6)
    rows = [
        ["己厂", code, "兰州市", "其他", "非重点", None],
        ["己厂二", code, "兰州市", "其他", "非重点", None],
    ]

    report = run_import("enterprises", xlsx_bytes(ENTERPRISE_HEADERS, rows), petra)

    assert report.problems == [Problem(3, "统一社会信用代码", code, "与第 2 行重复")]
    assert Enterprise.objects.get(credit_code=code).name == "己厂"


def test_a_missing_required_column_rejects_every_row(petra: Any) -> None:
    headers = [h for h in ENTERPRISE_HEADERS if h != "市（州）"]
    data = xlsx_bytes(headers, [["庚厂", credit_code(7), "其他", "非重点", None]])

    report = run_import("enterprises", data, petra)

    assert report.rejected == 1
    assert Problem(1, "市（州）", "", "缺少必填列") in report.problems


class TestJurisdiction:
    def test_a_city_user_cannot_import_into_another_city(self, alice: Any) -> None:
        rows = [["辛厂", credit_code(8, "620500"), "天水市", "其他", "非重点", None]]

        report = run_import("enterprises", xlsx_bytes(ENTERPRISE_HEADERS, rows), alice)

        assert report.problems == [Problem(2, "市（州）", "天水市", "市（州）不在您的辖区内")]
        assert not Enterprise.objects.exists()

    def test_a_city_user_cannot_attach_an_outlet_to_another_citys_enterprise(
        self, alice: Any, lanzhou: Any, tianshui: Any
    ) -> None:
        own, other = enterprise(lanzhou, 10), enterprise(tianshui, 11)
        headers = ["排污单位统一社会信用代码", "排放口编号", "排放口类型"]
        rows = [[own.credit_code, "DA001", "废气"], [other.credit_code, "DW001", "water"]]

        report = run_import("outlets", xlsx_bytes(headers, rows), alice)

        reason = "未知的排污单位（或不在您的辖区内）"
        assert report.problems == [Problem(3, headers[0], other.credit_code, reason)]
        assert list(Outlet.objects.values_list("enterprise__name", "code")) == [("企业10", "DA001")]

    def test_a_city_user_cannot_overwrite_another_citys_enterprise(
        self, alice: Any, tianshui: Any
    ) -> None:
        other = enterprise(tianshui, 12)
        rows = [["改名", other.credit_code, "兰州市", "其他", "非重点", None]]

        report = run_import("enterprises", xlsx_bytes(ENTERPRISE_HEADERS, rows), alice)

        [problem] = report.problems
        assert (problem.column, problem.reason) == (
            "统一社会信用代码",
            "记录已存在，但不在您的辖区内",
        )
        other.refresh_from_db()
        assert (other.name, other.city) == ("企业12", tianshui)

    def test_a_city_user_cannot_create_agency_personnel(self, alice: Any) -> None:
        agency = Agency.objects.create(
            name="检测公司", credit_code=credit_code(13), cma_number="CMA-13"
        )
        headers = ["姓名", "人员类别", "证件编号", "所属检测机构统一社会信用代码"]
        rows = [["张三", "监测人员", "JC-001", agency.credit_code]]

        report = run_import("personnel", xlsx_bytes(headers, rows), alice)

        assert report.problems == [Problem(2, headers[3], agency.credit_code, "不在您的辖区内")]
        assert not Personnel.objects.exists()


class TestFacilities:
    @pytest.fixture
    def plant(self, lanzhou: Any) -> Enterprise:
        plant = enterprise(lanzhou, 20)
        Outlet.objects.create(enterprise=plant, code="DA001", medium="air")
        Outlet.objects.create(enterprise=plant, code="DA002", medium="air")
        return plant

    def row(self, plant: Enterprise, outlet: str, mn: str, installed: Any, networked: Any) -> list:
        return [plant.credit_code, outlet, "CEMS", mn, installed, networked, None, "自行运营"]

    def test_excel_dates_and_text_dates_are_both_read(self, petra: Any, plant: Enterprise) -> None:
        rows = [self.row(plant, "DA001", "MN001", datetime(2020, 1, 5), "2020/2/1")]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, rows), petra)

        assert report.created == 1, report.problems
        facility = Facility.objects.get()
        assert (facility.kind, facility.operation_mode) == ("cems", "self")
        assert (facility.installed_on, facility.networked_on) == (
            date(2020, 1, 5),
            date(2020, 2, 1),
        )

    def test_a_networking_date_before_installation_is_refused(
        self, petra: Any, plant: Enterprise
    ) -> None:
        rows = [self.row(plant, "DA001", "MN001", "2020-05-01", "2020-04-01")]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, rows), petra)

        reason = "日期早于前一环节（安装 → 联网 → 验收）。"
        assert report.problems == [Problem(2, "联网日期", "2020-04-01", reason)]
        assert not Facility.objects.exists()

    def test_a_duplicate_mn_in_the_file_names_the_earlier_row(
        self, petra: Any, plant: Enterprise
    ) -> None:
        rows = [
            self.row(plant, "DA001", "MN001", "2020-01-01", None),
            self.row(plant, "DA002", "MN001", "2020-01-01", None),
        ]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, rows), petra)

        assert report.problems == [Problem(3, "数采仪 MN 号", "MN001", "与第 2 行重复")]
        assert Facility.objects.get().outlet.code == "DA001"

    def test_an_mn_used_on_another_outlet_in_the_database_is_refused(
        self, petra: Any, plant: Enterprise
    ) -> None:
        run_import(
            "facilities",
            xlsx_bytes(FACILITY_HEADERS, [self.row(plant, "DA001", "MN777", "2020-01-01", None)]),
            petra,
        )
        rows = [self.row(plant, "DA002", "MN777", "2020-01-01", None)]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, rows), petra)

        [problem] = report.problems
        assert (problem.row, problem.column, problem.value) == (2, "数采仪 MN 号", "MN777")
        assert problem.reason.startswith("MN 号已被 企业20 DA001")
        assert Facility.objects.count() == 1

    def test_a_facility_without_mn_is_matched_by_outlet_and_kind(
        self, petra: Any, plant: Enterprise
    ) -> None:
        first = [self.row(plant, "DA001", "", "2020-01-01", None)]
        run_import("facilities", xlsx_bytes(FACILITY_HEADERS, first), petra)
        with_mn = [self.row(plant, "DA001", "MN900", "2020-01-01", "2020-02-01")]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, with_mn), petra)

        assert (report.created, report.updated) == (0, 1)
        assert Facility.objects.get().mn == "MN900"

    def test_two_rows_matching_one_stored_facility_are_refused(
        self, petra: Any, plant: Enterprise
    ) -> None:
        first = [self.row(plant, "DA001", "", "2020-01-01", None)]
        run_import("facilities", xlsx_bytes(FACILITY_HEADERS, first), petra)
        rows = [
            self.row(plant, "DA001", "MN901", "2020-01-01", None),
            self.row(plant, "DA001", "", "2021-01-01", None),
        ]

        report = run_import("facilities", xlsx_bytes(FACILITY_HEADERS, rows), petra)

        assert report.problems == [Problem(3, "排放口编号", "DA001", "与第 2 行对应同一条记录")]
        assert Facility.objects.get().mn == "MN901"

    def test_third_party_operation_resolves_the_operator(
        self, petra: Any, plant: Enterprise
    ) -> None:
        operator = Operator.objects.create(
            name="运维公司", credit_code=credit_code(30), entered_province_year=2020
        )
        headers = [*FACILITY_HEADERS, "运营单位统一社会信用代码", "运营合同开始", "运营合同结束"]
        rows = [
            [*self.row(plant, "DA001", "MN1", "2020-01-01", None)[:-1], "third_party",
             operator.credit_code, "2024-01-01", "2024-12-31"],
            [*self.row(plant, "DA002", "MN2", "2020-01-01", None)[:-1], "第三方运营",
             credit_code(31), "2024-01-01", "2024-12-31"],
        ]  # fmt: skip

        report = run_import("facilities", xlsx_bytes(headers, rows), petra)

        assert report.problems == [Problem(3, headers[8], credit_code(31), "未知的运营单位")]
        assert Facility.objects.get().operator == operator


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8_is_read(petra: Any, encoding: str) -> None:
    rows = [["兰州石化分公司", credit_code(40), "兰州市", "石化", "国家重点监控", "2024"]]
    data = csv_bytes(ENTERPRISE_HEADERS, rows, encoding)

    report = run_import("enterprises", data, petra, file_name="企业.csv")

    assert report.created == 1, report.problems
    assert Enterprise.objects.get().name == "兰州石化分公司"


def test_csv_row_numbers_are_the_lines_excel_shows(petra: Any) -> None:
    rows = [["甲", credit_code(41), "兰州市", "其他", "非重点", ""], ["", "", "", "", "", ""]]
    rows.append(["乙", credit_code(42), "兰州", "其他", "非重点", ""])

    sheet = read_rows(csv_bytes(ENTERPRISE_HEADERS, rows, "gbk"))

    assert [row.number for row in sheet] == [2, 4]


def test_one_audit_entry_summarises_the_import(petra: Any) -> None:
    data, _codes = three_enterprises()

    run_import("enterprises", data, petra, file_name="企业名录.xlsx")

    entry = AuditEntry.objects.get(action="import")
    assert (entry.actor, entry.model) == ("petra", "registry.Enterprise")
    assert entry.changes == {
        "resource": "enterprises",
        "file": "企业名录.xlsx",
        "rows": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert AuditEntry.objects.filter(action="create", actor="petra").count() == 2


class TestCommand:
    def test_it_prints_each_problem_and_exits_with_1(self, petra: Any, tmp_path: Any) -> None:
        data, codes = three_enterprises()
        source, rejected = tmp_path / "企业.xlsx", tmp_path / "rejected.xlsx"
        source.write_bytes(data)
        out = io.StringIO()

        with pytest.raises(CommandError) as raised:
            call_command(
                "import", "enterprises", str(source), user="petra", rejected=str(rejected),
                stdout=out,
            )  # fmt: skip

        assert raised.value.returncode == 1
        lines = out.getvalue().splitlines()
        assert lines[0].startswith(
            f"row 3, column 统一社会信用代码, value '{codes[1]}': 统一社会信用代码无效："
        )
        assert "2 created, 0 updated, 0 unchanged, 1 rejected" in lines[1]
        assert read_back(rejected.read_bytes())[1][1] == codes[1]
        assert AuditEntry.objects.get(action="import").actor == "cli:petra"

    def test_a_clean_dry_run_exits_normally_and_writes_nothing(
        self, petra: Any, tmp_path: Any
    ) -> None:
        source = tmp_path / "ok.xlsx"
        rows = [["甲", credit_code(50), "兰州市", "其他", "非重点", None]]
        source.write_bytes(xlsx_bytes(ENTERPRISE_HEADERS, rows))
        out = io.StringIO()

        call_command("import", "enterprises", str(source), user="petra", dry_run=True, stdout=out)

        assert "dry run, nothing written: 1 rows: 1 created" in out.getvalue()
        assert not Enterprise.objects.exists()

    def test_a_user_who_may_not_edit_is_refused(self, audrey: Any, tmp_path: Any) -> None:
        source = tmp_path / "x.csv"
        source.write_bytes(csv_bytes(ENTERPRISE_HEADERS, [], "utf-8"))

        with pytest.raises(CommandError, match="may not change records"):
            call_command("import", "enterprises", str(source), user="audrey")


class TestPage:
    @pytest.fixture(autouse=True)
    def media(self, settings: Any, tmp_path: Any) -> None:
        settings.MEDIA_ROOT = tmp_path

    def upload(self, client: Any, dry_run: bool) -> Any:
        data, _codes = three_enterprises()
        form = {
            "resource": "enterprises",
            "file": SimpleUploadedFile("企业.xlsx", data),
            **({"dry_run": "on"} if dry_run else {}),
        }
        return client.post(reverse("import"), form)

    def test_the_page_lists_templates_and_exports(self, client: Any, alice: Any) -> None:
        client.force_login(alice)

        page = client.get(reverse("import")).content.decode()

        assert reverse("import-template", args=["facilities"]) in page
        assert reverse("export", args=["personnel"]) in page

    def test_users_who_may_not_edit_get_403(self, client: Any, audrey: Any) -> None:
        client.force_login(audrey)

        assert client.get(reverse("import")).status_code == 403

    def test_a_dry_run_shows_the_problem_table_and_the_rejected_rows(
        self, client: Any, petra: Any, alice: Any
    ) -> None:
        client.force_login(petra)

        response = self.upload(client, dry_run=True)

        assert response.status_code == 200
        report = response.context["report"]
        assert (report.dry_run, report.created, report.rejected) == (True, 2, 1)
        assert not Enterprise.objects.exists()
        page = response.content.decode()
        assert '<th class="num">行</th><th>列</th><th>值</th><th>原因</th>' in page
        link = reverse("import-rejected", args=[response.context["rejected_token"]])
        assert link in page
        download = client.get(link)
        assert download.status_code == 200
        assert read_back(download.content)[0][-1] == "原因"
        client.force_login(alice)
        assert client.get(link).status_code == 404

    def test_an_import_writes_the_valid_rows(self, client: Any, petra: Any) -> None:
        client.force_login(petra)

        response = self.upload(client, dry_run=False)

        assert response.context["report"].created == 2
        assert Enterprise.objects.count() == 2
        assert AuditEntry.objects.get(action="import").actor == "petra"

    def test_an_unreadable_file_is_a_form_error(self, client: Any, petra: Any) -> None:
        client.force_login(petra)
        upload = SimpleUploadedFile("old.xlsx", b"\xd0\xcf\x11\xe0" + b"\0" * 100)

        response = client.post(reverse("import"), {"resource": "enterprises", "file": upload})

        assert "另存为 .xlsx" in response.content.decode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2024, 3, 5), date(2024, 3, 5)),
        (45356, date(2024, 3, 5)),  # Excel serial number
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),  # Chinese Excel's CSV
        (2024, "日期格式应为 YYYY-MM-DD"),  # a year is not a date
        ("2024-02-30", "不是有效的日期"),
        ("05.03.2024", "日期格式应为 YYYY-MM-DD"),
    ],
)
def test_date_cells(raw: Any, expected: Any) -> None:
    ctx = RowContext(user=None, scope=Scope())
    try:
        assert cells.date_value(raw, ctx) == expected
    except CellError as error:
        assert error.reason == expected
