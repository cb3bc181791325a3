"""National-platform files with flows in m³/h, m³/d or amounts in L / 万m³ (issue 3 §4).

The store keeps HJ 212-2017 Appendix B units: flue-gas flow a00000 in m³/s, wastewater flow
w00000 in L/s, their amounts (``-Cou``) in m³. Each expected number is computed by hand below.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ceguan.telemetry.file_units import unit_factor
from ceguan.telemetry.files import run_file_import
from ceguan.telemetry.models import TelemetryValue
from tests.conftest import make_enterprise, make_facility
from tests.telemetry.test_files import STACK_MN, WATER_MN, csv_bytes

pytestmark = pytest.mark.django_db
T08 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 2026-03-01 08:00 Beijing
DAY = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 2026-03-01 (0 h Beijing)


@pytest.fixture
def stack(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, name="兰州热电"), code="DA001", mn=STACK_MN)


@pytest.fixture
def water(stack: Any) -> Any:
    return make_facility(stack.outlet.enterprise, code="DW001", mn=WATER_MN)


def stored(facility: Any, name: str, kind: str = "hourly", at: datetime = T08) -> Any:
    return TelemetryValue.objects.get(
        facility=facility, pollutant=name, kind=kind, data_time=at, current=True
    )


def test_hourly_flue_gas_flow_in_m3_per_hour_is_stored_in_m3_per_second(
    alice: Any, stack: Any
) -> None:
    headers = ["MN号", "监测时间", "烟气流量(m³/h)", "烟气流量最小值(m³/h)", "烟气流量最大值(m³/h)",
               "烟气流量排放量(m³)"]  # fmt: skip
    rows = [[STACK_MN, "2026-03-01 08:00", "434000", "396000", "450000", "433800"]]
    report = run_file_import(csv_bytes(headers, rows), alice, "hourly")
    assert report.rejected == 0 and report.frames == 1
    flow = stored(stack, "flow")
    assert flow.value == pytest.approx(120.555555555556)  # 434000 / 3600
    assert flow.minimum == pytest.approx(110.0)  # 396000 / 3600
    assert flow.maximum == pytest.approx(125.0)  # 450000 / 3600
    assert flow.cumulative == 433800.0  # already m³: the hour's amount as the file gives it


def test_daily_wastewater_flow_in_m3_per_day_is_stored_in_litres_per_second(
    alice: Any, water: Any
) -> None:
    headers = ["MN号", "监测时间", "废水流量(m³/d)", "废水流量排放量(万m³)", "化学需氧量(mg/L)"]
    rows = [[WATER_MN, "2026-03-01", "864", "0.0864", "42.5"]]
    report = run_file_import(csv_bytes(headers, rows), alice, "daily")
    assert report.rejected == 0, report.problems
    flow = stored(water, "water_flow", "daily", DAY)
    assert flow.value == pytest.approx(10.0)  # 864 m³/d × 1000 L/m³ / 86400 s/d
    assert flow.cumulative == pytest.approx(864.0)  # 0.0864 万m³ × 10⁴
    assert stored(water, "cod", "daily", DAY).value == 42.5


def test_a_daily_row_may_give_the_mean_hourly_rate(alice: Any, stack: Any) -> None:
    rows = [[STACK_MN, "2026-03-01", "360000"]]
    report = run_file_import(csv_bytes(["MN号", "日期", "废气流量(m3/h)"], rows), alice, "daily")
    assert report.rejected == 0
    assert stored(stack, "flow", "daily", DAY).value == pytest.approx(100.0)  # 360000 / 3600


def test_a_flow_column_in_cubic_metres_is_the_periods_amount(alice: Any, water: Any) -> None:
    rows = [[WATER_MN, "2026-03-01 08:00", "36"]]
    report = run_file_import(csv_bytes(["MN号", "监测时间", "流量(m³)"], rows), alice, "hourly")
    assert report.rejected == 0
    flow = stored(water, "water_flow")
    assert (flow.cumulative, flow.value) == (36.0, None)  # an amount, not a rate


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["-434000", "", ""], "烟气流量（m³/h）", "流量和排放量不能为负数"),
        (["", "", "-5"], "烟气流量排放量（m³）", "流量和排放量不能为负数"),
        (["434000", "450000", ""], "烟气流量（m³/h）", "最小值 ≤ 均值 ≤ 最大值"),
    ],
)
def test_impossible_flows_are_refused_with_the_row_and_column(
    alice: Any, stack: Any, cells: list[str], column: str, reason: str
) -> None:
    headers = ["MN号", "监测时间", "烟气流量(m³/h)", "烟气流量最小值(m³/h)", "烟气流量排放量(m³)",
               "二氧化硫(mg/m³)"]  # fmt: skip
    rows = [
        [STACK_MN, "2026-03-01 08:00", *cells, "35"],
        [STACK_MN, "2026-03-01 09:00", "360000", "", "", "36"],
    ]
    report = run_file_import(csv_bytes(headers, rows), alice, "hourly")
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, column)
    assert reason in problem.reason
    assert report.frames == 1  # the valid row is kept
    assert stored(stack, "flow", at=datetime(2026, 3, 1, 1, tzinfo=UTC)).value == 100.0
    assert not TelemetryValue.objects.filter(data_time=T08).exists()  # refused whole


def test_mass_rates_are_not_guessed() -> None:
    assert unit_factor("t/h", "m3/s") is None  # needs a density: refused, not converted
    assert unit_factor("kg/h", "m3/s") is None
