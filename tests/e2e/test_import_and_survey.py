"""A city user imports a spreadsheet with one bad row, sees why, and opens the survey chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from ceguan.core.validators import make_credit_code
from ceguan.registry.models import Enterprise
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADERS = ["单位名称", "统一社会信用代码", "市（州）", "行业", "监管类别", "名录年份"]


def _workbook(path: Path) -> tuple[str, str, str]:
    good_a = make_credit_code("91620100MA0E2E001")
    good_b = make_credit_code("91620100MA0E2E002")
    bad = make_credit_code("91620100MA0E2E003")
    bad = bad[:-1] + ("1" if bad[-1] != "1" else "2")  # wrong check character
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(["兰州浏览器测试热电厂", good_a, "兰州市", "火电", "重点排污单位名录", 2018])
    sheet.append(["兰州浏览器测试水泥厂", good_b, "兰州市", "水泥", "非重点", None])
    sheet.append(["兰州浏览器测试坏行", bad, "兰州市", "钢铁", "非重点", None])
    book.save(path)
    return good_a, good_b, bad


def test_a_city_user_imports_with_one_bad_row_and_opens_the_survey(page, alice, tmp_path):
    good_a, good_b, bad = _workbook(tmp_path / "enterprises.xlsx")
    log_in(page, "alice", PASSWORD)

    page.goto(f"{page.base}/import/")
    page.select_option("select[name=resource]", "enterprises")
    page.set_input_files("input[name=file]", str(tmp_path / "enterprises.xlsx"))
    if page.is_checked("input[name=dry_run]"):
        page.uncheck("input[name=dry_run]")
    page.click("form.form button[type=submit]")

    report = page.locator("#report")
    report.wait_for()
    problem_row = report.locator("tbody tr").filter(has_text=bad)
    assert problem_row.count() == 1
    cells = problem_row.locator("td").all_inner_texts()
    assert cells[0] == "4"  # the spreadsheet row (header is row 1)
    assert cells[1] == "统一社会信用代码"
    assert "GB 32100-2015" in cells[3]
    assert report.get_by_role("link", name="下载被拒绝的行（.xlsx，含原因）").is_visible()

    assert set(Enterprise.objects.values_list("credit_code", flat=True)) == {good_a, good_b}
    page.goto(f"{page.base}/r/enterprises/")
    assert page.locator("#rows").get_by_text("兰州浏览器测试热电厂").is_visible()

    page.goto(f"{page.base}/survey/")
    chart = page.locator("#survey-chart")
    page.wait_for_function("document.getElementById('survey-chart').dataset.rendered === 'true'")
    assert chart.locator("canvas").count() >= 1
    assert page.locator("#survey-table").get_by_text("兰州市").is_visible()
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
