"""A city user opens the alarm inbox, an alarm with its chart drawn, and acknowledges it."""

from __future__ import annotations

import pytest

from ceguan.screening.models import Alarm
from tests.conftest import PASSWORD, make_enterprise, make_facility
from tests.e2e.conftest import log_in
from tests.web.test_alarm_pages import make_alarm

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_city_user_reviews_and_acknowledges_an_alarm(page, alice, lanzhou):
    facility = make_facility(make_enterprise(lanzhou, name="兰州浏览器报警电厂"))
    alarm = make_alarm(facility)
    log_in(page, "alice", PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="报警", exact=True).click()
    page.wait_for_url("**/alarms/")
    row = page.locator(f"#alarm-table tr[data-alarm='{alarm.pk}']")
    assert "兰州浏览器报警电厂" in row.inner_text() and "新告警" in row.inner_text()
    row.get_by_role("link", name=f"#{alarm.pk}").click()
    page.wait_for_url(f"**/alarms/{alarm.pk}/")

    page.wait_for_function("document.getElementById('alarm-chart').dataset.rendered === 'true'")
    assert page.locator("#alarm-chart canvas").count() >= 1
    assert page.locator("#limit-unverified").is_visible()

    page.get_by_role("button", name="签收").click()
    page.locator("#alarm-status[data-status='acknowledged']").wait_for()
    assert page.locator("#alarm-status").inner_text() == "已签收"
    assert "已签收" in page.locator("#event-table").inner_text()
    alarm.refresh_from_db()
    assert alarm.status == "acknowledged"
    assert Alarm.objects.get(pk=alarm.pk).events.count() == 2
