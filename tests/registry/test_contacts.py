"""Designated contacts: the rule book's deadline decides on time, late and overdue."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from ceguan.registry.contacts import (
    LATE,
    ON_TIME,
    OVERDUE,
    PENDING,
    contact_deadline,
    contact_statuses,
)
from ceguan.registry.models import DesignatedContact

pytestmark = pytest.mark.django_db


def test_the_deadline_is_28_april_from_the_work_plan():
    deadline, value = contact_deadline(2026)
    assert deadline == date(2026, 4, 28)  # 甘环办发〔2018〕25号 五（一）："于2018年4月28日前"
    assert "五（一）" in value.reference.title


def _contact(city, reported_on):
    return DesignatedContact.objects.create(
        city=city, plan_year=2026, name="张三", phone="0931-0000000", reported_on=reported_on
    )


def test_statuses(petra, lanzhou, tianshui):
    _contact(lanzhou, date(2026, 4, 28))
    _contact(tianshui, date(2026, 4, 29))
    statuses = {s.city.code: s.status for s in contact_statuses(petra, 2026, date(2026, 5, 1))}
    assert statuses["620100"] == ON_TIME
    assert statuses["620500"] == LATE
    assert statuses["620200"] == OVERDUE
    early = {s.city.code: s.status for s in contact_statuses(petra, 2026, date(2026, 4, 1))}
    assert early["620200"] == PENDING


@time_machine.travel(date(2026, 5, 1))
def test_the_province_home_page_shows_overdue_cities(client, petra, lanzhou):
    _contact(lanzhou, date(2026, 4, 1))
    client.force_login(petra)
    page = client.get("/").content.decode()
    assert "逾期未报" in page and "嘉峪关市" in page
