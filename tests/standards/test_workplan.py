"""The work-plan parameters checked against the work plan's own text.

Source: 甘环办发〔2018〕25号, 《2018年甘肃省污染源测管协同工作方案》, kept as
``shared/design/work-plan-2018.txt`` beside the repository. Each test takes the section cited in
the parameter's reference title (e.g. ``五（一）``), cuts that clause out of the text, and checks
that the clause states the value — so a wrong number *or* a wrong citation fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from ceguan.standards import ParameterValue, load_rulebook

WORK_PLAN = Path(__file__).resolve().parents[2].parent / "shared" / "design" / "work-plan-2018.txt"
ISSUED_ON = date(2018, 4, 20)  # "甘肃省环境保护厅办公室 2018年4月20日印发"
NUMERAL = "[一二三四五六七八九十]"

pytestmark = pytest.mark.skipif(not WORK_PLAN.is_file(), reason=f"{WORK_PLAN} is not present")


def plan_text() -> str:
    """The plan with page breaks and spaces removed and ASCII brackets made full-width."""
    text = WORK_PLAN.read_text(encoding="utf-8")
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def clause(section: str, item: str) -> str:
    """Text of item ``（item）`` of section ``section、`` of the plan (after its title)."""
    body = plan_text().split("2018年甘肃省污染源测管协同工作方案按照", 1)[1]
    part = re.search(rf"{section}、(.*?)(?={NUMERAL}+、|$)", body)
    assert part, f"section {section} not found"
    found = re.search(rf"（{item}）(.*?)(?=（{NUMERAL}+）|$)", part.group(1))
    assert found, f"item {section}（{item}） not found"
    return found.group(1)


def cited_clause(found: ParameterValue) -> str:
    """The plan clause named in the reference title, e.g. '甘环办发〔2018〕25号 五（一）'."""
    title = re.fullmatch(
        rf"甘环办发〔2018〕25号 ({NUMERAL}+)（({NUMERAL}+)）", found.reference.title
    )
    assert title, found.reference.title
    return clause(title.group(1), title.group(2))


def get(name: str) -> ParameterValue:
    return load_rulebook().get(f"workplan.{name}", on=ISSUED_ON)


def test_the_clause_reader_finds_known_headings() -> None:
    assert clause("五", "一").startswith("加强组织领导")
    assert clause("五", "五").startswith("强化信息公开")
    assert clause("三", "一").startswith("重点行业")
    assert "市级环境保护主管部门" in clause("二", "二")


def test_the_parameters_take_effect_on_the_day_the_plan_was_issued() -> None:
    assert "2018年4月20日印发" in plan_text()
    for parameter in load_rulebook().all_parameters():
        if parameter.path.startswith("workplan."):
            assert parameter.values[0][0] == ISSUED_ON, parameter.path
            assert parameter.verified is True, f"{parameter.path}: [P], read in the plan"


def test_every_quoted_clause_is_verbatim_in_the_plan() -> None:
    text = plan_text()
    for parameter in load_rulebook().all_parameters():
        for _, reference in parameter.references:
            for quote in re.findall(r"“(.+?)”", reference.clause or ""):
                assert quote in text, f"{parameter.path}: {quote}"


def test_contact_report_deadline_is_28_april() -> None:
    """五（一）: "将负责人名单于2018年4月28日前报省环境监察局备案"."""
    found = get("contact_report_deadline")
    assert found.month_day().in_year(2018) == date(2018, 4, 28)
    text = cited_clause(found)
    day = found.month_day()
    assert f"负责人名单于2018年{day.month}月{day.day}日前报省环境监察局备案" in text


def test_annual_inspection_quota_is_ten_percent_by_quarter() -> None:
    """二（二）: "全年按照自动监控设施数量不低于10%的比例，分季度组织实施"."""
    found = get("annual_inspection_quota")
    assert found.number() == pytest.approx(0.10, abs=1e-12)
    text = cited_clause(found)
    percent = round(found.number() * 100)  # 0.10 * 100 = 10
    assert f"全年按照自动监控设施数量不低于{percent}%的比例" in text
    assert "分季度组织实施现场同步监测与执法" in text


def test_focus_industries_are_the_list_of_section_3_1() -> None:
    """三（一）: "钢铁、火电、有色金属、石化、水泥、造纸、污水处理厂（…）、生活垃圾焚烧发电厂等"."""
    found = get("focus_industries")
    assert found.codes() == (
        "steel",
        "thermal_power",
        "nonferrous",
        "petrochemical",
        "cement",
        "paper",
        "wastewater_treatment",
        "waste_incineration",
    )
    listed = cited_clause(found).split("重点行业。", 1)[1].split("等行业企业", 1)[0].split("、")
    labels = found.value
    assert isinstance(labels, Mapping)
    assert [labels[code] for code in found.codes()] == listed


def test_disclosure_deadline_is_the_10th() -> None:
    """五（五）: "每季度10日前公开上一季度组织实施的现场同步监测与执法过程中发现的问题…"."""
    found = get("disclosure_deadline_day")
    assert found.value == 10
    assert f"每季度{found.value}日前公开上一季度" in cited_clause(found)
