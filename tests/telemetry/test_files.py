"""Importing national-platform (国发平台) data files: columns mapped, rows checked, values stored.

Times in the files are Beijing time: 2026-03-01 08:00 in a file is 2026-03-01 00:00 UTC.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from ceguan.core.models import AuditEntry
from ceguan.registry.spreadsheets.reader import read_rows
from ceguan.telemetry.file_columns import pollutant_column, unit_factor
from ceguan.telemetry.files import plan_file_import, rejected_workbook, run_file_import
from ceguan.telemetry.models import RawFrame, TelemetryValue
from tests.conftest import make_enterprise, make_facility

pytestmark = pytest.mark.django_db

STACK_MN, WATER_MN, TIANSHUI_MN = "62010000000101", "62010000000102", "62050000000103"
T08 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 2026-03-01 08:00 Beijing
T09 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
AIR_HEADERS = [
    "序号", "企业名称", "监测点名称", "MN号", "监测时间", "二氧化硫(mg/m³)", "二氧化硫折算(mg/m³)",
    "二氧化硫标记", "氮氧化物(mg/m³)", "氮氧化物折算浓度", "氮氧化物标记", "颗粒物/烟尘(mg/m³)",
    "颗粒物/烟尘折算(mg/m³)", "氧含量(%)", "烟气流量(m³/s)",
]  # fmt: skip
AIR_ROWS = [
    ["1", "兰州热电", "1#锅炉", STACK_MN, "2026-03-01 08:00:00", "35.2", "40.1", "N",
     "80.5", "91.0", "N", "5.1", "5.8", "8.9", "120.5"],
    ["2", "兰州热电", "1#锅炉", STACK_MN, "2026-03-01 09:00:00", "36.0", "41.2", "M",
     "--", "--", "", "5.0", "5.6", "9.1", "121.0"],
]  # fmt: skip


def csv_bytes(headers: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    """A CSV as Excel saves it; GBK has no ``³``, so GBK exports write ``mg/m3``."""
    if encoding == "gbk":
        headers = [header.replace("³", "3") for header in headers]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_back(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def stack(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, name="兰州热电"), code="DA001", mn=STACK_MN)


@pytest.fixture
def water(stack: Any) -> Any:
    return make_facility(stack.outlet.enterprise, code="DW001", mn=WATER_MN)


@pytest.fixture
def tianshui_stack(tianshui: Any) -> Any:
    return make_facility(make_enterprise(tianshui), code="DA001", mn=TIANSHUI_MN)


def value(facility: Any, pollutant: str, at: datetime, kind: str = "hourly") -> TelemetryValue:
    return TelemetryValue.objects.get(
        facility=facility, pollutant=pollutant, kind=kind, data_time=at, current=True
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_export_is_stored_under_glossary_names_in_utc(
    alice: Any, stack: Any, encoding: str
) -> None:
    data = csv_bytes(AIR_HEADERS, AIR_ROWS, encoding)

    report = run_file_import(data, alice, "hourly", file_name="国发平台小时数据.csv")

    assert (report.rows, report.frames, report.rejected, report.new_values) == (2, 2, 0, 9)
    so2 = value(stack, "so2", T08)
    assert (so2.value, so2.converted, so2.flag, so2.source) == (35.2, 40.1, "N", "file")
    assert (value(stack, "nox", T08).converted, value(stack, "particulate", T08).value) == (91, 5.1)
    assert (value(stack, "o2", T08).value, value(stack, "flow", T08).value) == (8.9, 120.5)
    assert value(stack, "so2", T09).flag == "M"
    assert not TelemetryValue.objects.filter(pollutant="nox", data_time=T09).exists()  # "--"
    frame = RawFrame.objects.get(pk=so2.frame_id)
    assert (frame.peer, frame.cn, frame.mn, frame.facility_id) == (
        "file:国发平台小时数据.csv", "2061", STACK_MN, stack.pk,
    )  # fmt: skip
    header, row = bytes(frame.raw).decode("utf-8").splitlines()
    assert header.startswith("序号,企业名称,监测点名称,MN号,监测时间,二氧化硫（mg/m")
    assert row.startswith(f"1,兰州热电,1#锅炉,{STACK_MN},2026-03-01 08:00:00,35.2,40.1,N")
    assert report.problems == []


def test_an_xlsx_with_a_kind_column_and_excel_dates_goes_to_the_water_facility(
    petra: Any, water: Any
) -> None:
    headers = ["MN号", "数据时间", "数据类型", "化学需氧量(mg/L)", "化学需氧量标记", "氨氮",
               "总磷", "总氮", "pH值", "流量(L/s)", "标记"]  # fmt: skip
    rows = [
        [WATER_MN, date(2026, 3, 1), "日", 25.5, "N", 1.2, 0.3, 8.8, 7.4, 3.5, "N"],
        [WATER_MN, datetime(2026, 3, 1, 8), "小时", 24.0, "维护", 1.1, 0.2, 8.0, 7.2, 3.4, "T"],
    ]

    report = run_file_import(xlsx_bytes(headers, rows), petra, None)

    assert (report.frames, report.rejected, report.new_values) == (2, 0, 12)
    cod_day = value(water, "cod", datetime(2026, 2, 28, 16, tzinfo=UTC), "daily")
    assert (cod_day.value, cod_day.flag, value(water, "nh3n", T08).value) == (25.5, "N", 1.1)
    assert value(water, "cod", T08).flag == "M"  # its own flag column wins over the row's
    assert value(water, "tn", T08).flag == "T"  # the row's 标记 column
    assert value(water, "water_flow", T08).value == 3.4  # 流量 at a water outlet
    frames = RawFrame.objects.order_by("pk")
    assert [f.cn for f in frames] == ["2031", "2061"]


def test_a_dry_run_writes_nothing_but_counts(alice: Any, stack: Any) -> None:
    report = run_file_import(csv_bytes(AIR_HEADERS, AIR_ROWS), alice, "hourly", dry_run=True)

    assert (report.dry_run, report.frames, report.new_values) == (True, 2, 9)
    assert not RawFrame.objects.exists() and not TelemetryValue.objects.exists()
    assert not AuditEntry.objects.filter(action="import").exists()


def test_importing_again_is_duplicates_and_a_changed_value_a_revision(
    alice: Any, stack: Any
) -> None:
    run_file_import(csv_bytes(AIR_HEADERS, AIR_ROWS), alice, "hourly")

    again = run_file_import(csv_bytes(AIR_HEADERS, AIR_ROWS), alice, "hourly")
    assert (again.new_values, again.duplicate_values, again.revised_values) == (0, 9, 0)

    changed = [[*AIR_ROWS[0][:5], "30.0", *AIR_ROWS[0][6:]], AIR_ROWS[1]]
    planned = plan_file_import(read_rows(csv_bytes(AIR_HEADERS, changed)), alice, "hourly")
    assert (planned.new_values, planned.duplicate_values, planned.revised_values) == (0, 8, 1)
    revised = run_file_import(csv_bytes(AIR_HEADERS, changed), alice, "hourly")
    assert revised.revised_values == 1
    history = TelemetryValue.objects.filter(pollutant="so2", data_time=T08).order_by("revision")
    assert [(v.revision, v.current, v.value) for v in history] == [(0, False, 35.2), (1, True, 30)]
    assert TelemetryValue.objects.filter(current=True).count() == 9
    assert RawFrame.objects.count() == 6  # every imported row kept as evidence


def test_an_unknown_mn_and_another_citys_mn_are_refused_alike(
    alice: Any, stack: Any, tianshui_stack: Any
) -> None:
    rows = [AIR_ROWS[0], ["2", "", "", "99999999999999", *AIR_ROWS[0][4:]],
            ["3", "", "", TIANSHUI_MN, *AIR_ROWS[0][4:]]]  # fmt: skip

    report = run_file_import(csv_bytes(AIR_HEADERS, rows), alice, "hourly")

    assert (report.frames, report.rejected) == (1, 2)
    unknown, other = report.problems
    assert (unknown.row, unknown.column, unknown.value) == (3, "MN号", "99999999999999")
    assert (other.row, other.column, other.value) == (4, "MN号", TIANSHUI_MN)
    assert unknown.reason == other.reason == "未知的 MN 号（或不在您的辖区内）"
    assert not TelemetryValue.objects.filter(facility=tianshui_stack).exists()


def test_bad_cells_are_reported_with_row_column_value_and_reason(alice: Any, stack: Any) -> None:
    headers = ["MN号", "监测时间", "二氧化硫(μg/m³)", "烟气流量(t/h)", "二氧化硫标记"]
    rows = [
        [STACK_MN, "2026-03-01 08:00", "35200", "", "N"],
        [STACK_MN, "2026-03-01 09:00", "3.5.1", "", "N"],
        [STACK_MN, "2026-03-01 10:30", "1", "", "N"],
        [STACK_MN, "昨天", "1", "", "N"],
        [STACK_MN, "2026-03-01 11:00", "1", "434000", "N"],
        [STACK_MN, "2026-03-01 12:00", "1", "", "好"],
        [STACK_MN, "2026-03-01 08:00", "35200", "", "N"],
    ]

    report = run_file_import(csv_bytes(headers, rows), alice, "hourly")

    problems = {p.row: (p.column, p.value, p.reason) for p in report.problems}
    assert problems[3] == ("二氧化硫（μg/m³）", "3.5.1", "应为数字")
    assert problems[4] == ("监测时间", "2026-03-01 10:30", "小时数据的时间应为整点")
    assert problems[5][0:2] == ("监测时间", "昨天")
    assert problems[6] == (
        "烟气流量（t/h）", "434000", "单位 t/h 与 HJ 212 规定的 m3/s 不符，请换算后再导入",
    )  # fmt: skip
    assert problems[7][0:2] == ("二氧化硫标记", "好")
    assert problems[8] == (
        "监测时间",
        "2026-03-01 08:00",
        "与第 2 行重复（同一 MN 号、数据类型和时间）",
    )
    assert report.frames == 1
    assert value(stack, "so2", T08).value == 35.2  # µg/m³ converted to the table's mg/m³


def test_a_file_without_pollutant_or_mn_columns_is_refused_whole(alice: Any, stack: Any) -> None:
    report = run_file_import(
        csv_bytes(["企业名称", "时间", "备注"], [["甲", "x", ""]]), alice, None
    )

    reasons = {p.reason for p in report.problems}
    assert {
        "缺少“MN 号”列",
        "没有识别出任何监测因子列",
        "缺少“数据类型”列，也未选择数据类型",
    } <= reasons
    assert report.rejected == 1 and not RawFrame.objects.exists()


def test_a_kind_column_disagreeing_with_the_chosen_kind_is_a_problem(
    alice: Any, stack: Any
) -> None:
    headers = ["MN号", "监测时间", "数据类型", "二氧化硫"]
    report = run_file_import(
        csv_bytes(headers, [[STACK_MN, "2026-03-01", "日", "1"]]), alice, "hourly"
    )
    assert report.problems[0].reason == "数据类型为日数据，与所选的小时数据不符"


def test_a_water_factor_at_an_air_outlet_is_refused(alice: Any, stack: Any) -> None:
    headers = ["MN号", "监测时间", "化学需氧量"]
    report = run_file_import(
        csv_bytes(headers, [[STACK_MN, "2026-03-01 08:00", "1"]]), alice, "hourly"
    )
    assert report.problems[0].reason == "不是废气排放口的监测因子"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("二氧化硫（mg/m³）", ("so2", "value", False, "mg/m³")),
        ("二氧化硫折算浓度", ("so2", "converted", False, None)),
        ("烟尘（颗粒物）折算（mg/m³）", ("particulate", "converted", False, "mg/m³")),
        ("a21026-ZsAvg", ("so2", "converted", False, None)),
        ("氮氧化物标记", ("nox", "value", True, None)),
        ("二氧化硫排放量（kg）", ("so2", "cumulative", False, "kg")),
        ("氨氮（NH3-N）（mg/L）", ("nh3n", "value", False, "mg/L")),
    ],
)
def test_pollutant_headers(header: str, expected: tuple[Any, ...]) -> None:
    column = pollutant_column(header)
    assert column is not None
    name = next(iter(column.candidates.values())).name
    assert (name, column.part, column.is_flag, column.unit) == expected


def test_units() -> None:
    assert unit_factor("mg/Nm³", "mg/m3") == 1 and unit_factor("μg/m³", "mg/m3") == 0.001
    assert unit_factor("t/h", "m3/s") is None and unit_factor("无量纲", None) == 1
    assert unit_factor("m³/h", "m3/s") == pytest.approx(1 / 3600)  # 1 h = 3600 s
    assert unit_factor("m3/d", "L/s") == pytest.approx(1000 / 86400)  # 1 m³ = 1000 L, 1 d
    assert unit_factor("L", "m3") == pytest.approx(0.001) and unit_factor("万m³", "m3") == 1e4
    assert {c.name for c in pollutant_column("流量").candidates.values()} == {"flow", "water_flow"}


def test_the_rejected_workbook_keeps_the_row_and_adds_the_reason(alice: Any, stack: Any) -> None:
    rows = [["1", "", "", STACK_MN, "2026-03-01 08:00", "abc", *AIR_ROWS[0][6:]]]
    report = run_file_import(csv_bytes(AIR_HEADERS, rows), alice, "hourly", dry_run=True)

    header, row = read_back(rejected_workbook(report))
    assert header[-2:] == ["原行号", "原因"] and row[3] == STACK_MN
    assert row[-2:] == [2, "二氧化硫（mg/m³）：应为数字"]


class TestCommand:
    def test_it_prints_problems_and_exits_with_1(
        self, alice: Any, stack: Any, tmp_path: Any
    ) -> None:
        source, rejected = tmp_path / "data.csv", tmp_path / "rejected.xlsx"
        source.write_bytes(
            csv_bytes(AIR_HEADERS, [AIR_ROWS[0], ["2", "", "", "X1", *AIR_ROWS[1][4:]]])
        )
        out = io.StringIO()

        with pytest.raises(CommandError) as raised:
            call_command(
                "import_data", str(source), user="alice", kind="hourly", rejected=str(rejected),
                stdout=out,
            )  # fmt: skip

        assert raised.value.returncode == 1
        lines = out.getvalue().splitlines()
        assert lines[0] == "row 3, column MN号, value 'X1': 未知的 MN 号（或不在您的辖区内）"
        assert "1 imported" in lines[1] and "1 rejected" in lines[1] and "5 new" in lines[1]
        assert read_back(rejected.read_bytes())[1][3] == "X1"
        assert AuditEntry.objects.get(action="import").actor == "cli:alice"

    def test_a_clean_dry_run_exits_normally(self, alice: Any, stack: Any, tmp_path: Any) -> None:
        source = tmp_path / "data.xlsx"
        source.write_bytes(xlsx_bytes(AIR_HEADERS, AIR_ROWS))
        out = io.StringIO()

        call_command(
            "import_data", str(source), user="alice", kind="hourly", dry_run=True, stdout=out
        )

        assert "dry run, nothing written: 2 rows: 2 imported" in out.getvalue()
        assert not TelemetryValue.objects.exists()

    def test_a_user_who_may_not_edit_is_refused(self, audrey: Any, tmp_path: Any) -> None:
        source = tmp_path / "x.csv"
        source.write_bytes(csv_bytes(AIR_HEADERS, []))
        with pytest.raises(CommandError, match="may not change records"):
            call_command("import_data", str(source), user="audrey", kind="hourly")


class TestPage:
    @pytest.fixture(autouse=True)
    def media(self, settings: Any, tmp_path: Any) -> None:
        settings.MEDIA_ROOT = tmp_path

    def test_users_who_may_not_edit_get_403(self, client: Any, audrey: Any) -> None:
        client.force_login(audrey)
        assert client.get(reverse("data-import")).status_code == 403

    def test_a_dry_run_shows_problems_and_then_the_import_writes(
        self, client: Any, alice: Any, stack: Any, tianshui_stack: Any
    ) -> None:
        client.force_login(alice)
        rows = [AIR_ROWS[0], ["2", "", "", TIANSHUI_MN, *AIR_ROWS[1][4:]]]
        data = csv_bytes(AIR_HEADERS, rows, "gbk")

        def upload(**extra: str) -> Any:
            form = {"file": SimpleUploadedFile("小时.csv", data), "kind": "hourly", **extra}
            return client.post(reverse("data-import"), form)

        response = upload(dry_run="on")
        report = response.context["report"]
        assert (report.dry_run, report.frames, report.rejected) == (True, 1, 1)
        page = response.content.decode()
        assert "未知的 MN 号（或不在您的辖区内）" in page
        link = reverse("import-rejected", args=[response.context["rejected_token"]])
        assert link in page and client.get(link).status_code == 200
        assert not TelemetryValue.objects.exists()

        assert upload().context["report"].new_values == 5
        assert TelemetryValue.objects.filter(facility=stack).count() == 5


def test_repeated_flag_headers_are_refused_because_their_cells_cannot_be_told_apart(
    alice: Any, stack: Any
) -> None:
    headers = ["MN号", "监测时间", "二氧化硫", "标记", "氮氧化物", "标记"]
    rows = [[STACK_MN, "2026-03-01 08:00", "1", "N", "2", "M"]]

    report = run_file_import(csv_bytes(headers, rows), alice, "hourly")

    assert [(p.column, p.reason[:4]) for p in report.problems] == [("标记", "列名重复")]
    assert report.rejected == 1 and not TelemetryValue.objects.exists()
