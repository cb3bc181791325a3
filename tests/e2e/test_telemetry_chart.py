"""A city user opens a facility's data page, sees the chart drawn, and the frames of a point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import PASSWORD, make_enterprise, make_facility
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 Beijing time


def _send(facility, minute: int, so2: float, flag: str = "N") -> None:
    at = T0 + timedelta(minutes=minute)
    raw = (
        f"##0101QN=1;ST=31;CN=2051;PW=123456;MN={facility.mn};"
        f"CP=&&DataTime=2026030108{minute:02d}00;a21026-Avg={so2},a21026-Flag={flag}&&"
    ).encode()
    values = (IncomingValue("so2", "minute", at, value=so2, flag=flag),)
    write_frames([IncomingFrame(at, "10.0.0.7:40001", raw, mn=facility.mn, cn="2051",
                                facility_id=facility.pk, values=values)])  # fmt: skip


def test_a_city_user_sees_the_chart_and_opens_the_frames_of_a_point(page, alice, lanzhou):
    facility = make_facility(make_enterprise(lanzhou, name="兰州浏览器测试电厂"))
    for minute in range(10):
        _send(facility, minute, 20.0 + minute, flag="D" if minute == 4 else "N")
    _send(facility, 9, 99.0)  # a revision of the last minute
    log_in(page, "alice", PASSWORD)

    page.goto(f"{page.base}/facilities/{facility.pk}/data/")
    page.wait_for_function("document.getElementById('telemetry-chart').dataset.rendered === 'true'")
    assert page.locator("#telemetry-chart canvas").count() >= 1
    assert page.locator("#flag-legend").get_by_text("故障").is_visible()

    # A click on the chart loads the frames behind the nearest point into the page.
    page.locator("#telemetry-chart").click()
    page.locator("#frames-panel .tm-frame").first.wait_for()
    assert "CN=2051" in page.locator("#frames-panel pre").first.inner_text()

    # The latest-values table links to the frames of its data time: original and revision.
    row = page.locator("#latest-table tbody tr").first
    assert "第 1 次修订" in row.inner_text()
    row.get_by_role("link", name="查看报文").click()
    page.wait_for_url("**/frames/**")
    texts = page.locator("pre.tm-raw").all_inner_texts()
    assert len(texts) == 2
    assert "a21026-Avg=29.0" in texts[0] and "a21026-Avg=99.0" in texts[1]
    assert page.get_by_text("已被修订").is_visible()
