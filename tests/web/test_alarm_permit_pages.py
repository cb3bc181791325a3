"""Permit-limit pages per outlet, operations records on a facility's alarm page, and what the
alarm page says about the limit applied and the marking's backing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ceguan.core.models import AuditEntry
from ceguan.screening.alarms import Finding, record_finding
from ceguan.screening.models import Alarm, OperationsRecord, PermitLimit
from tests.conftest import make_enterprise, make_facility
from tests.web.test_alarm_pages import NOW, exceedance_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, name="兰州许可测试电厂"))


def form(**changes: Any) -> dict[str, Any]:
    data = {"pollutant": "so2", "period": "hourly", "value": "35", "unit": "mg/m3",
            "reference_o2": "", "clause": "许可证 9162 表 3"}  # fmt: skip
    data.update(changes)
    return data


def test_an_editor_creates_edits_and_deletes_a_limit_with_an_audit_trail(
    client: Any, alice: Any, facility: Any
) -> None:
    outlet = facility.outlet
    client.force_login(alice)
    assert "没有许可限值" in client.get(f"/outlets/{outlet.pk}/permit-limits/").content.decode()
    created = client.post(f"/outlets/{outlet.pk}/permit-limits/new/", form(pollutant="a21026"))
    assert created.status_code == 302
    limit = PermitLimit.objects.get(outlet=outlet)
    assert (limit.pollutant, limit.value) == ("so2", 35.0)
    page = client.get(f"/outlets/{outlet.pk}/permit-limits/").content.decode()
    assert f'data-limit="{limit.pk}"' in page and "许可证 9162 表 3" in page
    edited = client.post(f"/permit-limits/{limit.pk}/edit/", form(value="30", verified="on"))
    assert edited.status_code == 302
    limit.refresh_from_db()
    assert (limit.value, limit.verified) == (30.0, True)
    assert client.post(f"/permit-limits/{limit.pk}/delete/").status_code == 302
    assert not PermitLimit.objects.exists()
    trail = AuditEntry.objects.filter(model="screening.PermitLimit", object_id=str(limit.pk))
    assert list(trail.values_list("action", "actor")) == [
        ("create", "alice"), ("update", "alice"), ("delete", "alice"),
    ]  # fmt: skip
    assert trail[1].changes["value"] == [35.0, 30.0]


def test_a_bad_limit_shows_the_fields_error_and_saves_nothing(
    client: Any, alice: Any, facility: Any
) -> None:
    client.force_login(alice)
    url = f"/outlets/{facility.outlet_id}/permit-limits/new/"
    response = client.post(url, form(unit="mg/L", reference_o2="25"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "单位应与 HJ 212 编码表一致：mg/m3" in page
    assert "基准含氧量应在 0 到 21" in page
    assert not PermitLimit.objects.exists()


def test_jurisdiction_another_city_gets_404_and_readers_403(
    client: Any, bob: Any, audrey: Any, facility: Any
) -> None:
    limit = PermitLimit.objects.create(
        outlet=facility.outlet, pollutant="so2", period="hourly", value=35, clause="x"
    )
    outlet = facility.outlet_id
    client.force_login(bob)
    urls = [f"/outlets/{outlet}/permit-limits/", f"/outlets/{outlet}/permit-limits/new/"]
    urls += [f"/permit-limits/{limit.pk}/edit/", f"/permit-limits/{limit.pk}/delete/"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/permit-limits/{limit.pk}/delete/").status_code == 404
    client.force_login(audrey)
    page = client.get(f"/outlets/{outlet}/permit-limits/")
    assert page.status_code == 200 and "/edit/" not in page.content.decode()
    assert client.post(f"/permit-limits/{limit.pk}/delete/").status_code == 403
    assert PermitLimit.objects.filter(pk=limit.pk).exists()


def test_the_alarm_page_names_a_permit_limit_and_a_standard_limit(
    client: Any, alice: Any, facility: Any
) -> None:
    standard = exceedance_finding(verified=True)
    permit = exceedance_finding(start=datetime(2026, 1, 6, 2, tzinfo=UTC))
    permit.evidence["limit"].update(source="permit", reference="排污许可证 9162 表 3")
    for finding in (standard, permit):
        record_finding(facility.pk, finding, now=NOW)
    first, second = Alarm.objects.filter(facility=facility).order_by("pk")
    client.force_login(alice)
    by_standard = client.get(f"/alarms/{first.pk}/").content.decode()
    by_permit = client.get(f"/alarms/{second.pk}/").content.decode()
    assert 'data-source="standard"' in by_standard and "排放标准限值" in by_standard
    assert "许可证限值" not in by_standard
    assert 'data-source="permit"' in by_permit and "许可证限值" in by_permit
    assert "排污许可证 9162 表 3" in by_permit


def test_an_unbacked_marking_alarm_shows_the_hours_and_the_overlapping_records(
    client: Any, alice: Any, facility: Any
) -> None:
    finding = exceedance_finding()
    finding.evidence.update(
        backing="unbacked marking", marks=3,
        unbacked_times=["2026-01-05T03:00:00Z", "2026-01-05T04:00:00Z"],
        backing_records=[{"id": 5, "kind": "maintenance", "reference": "YW-5",
                          "start": "2026-01-05T02:00:00Z", "end": "2026-01-05T03:00:00Z",
                          "reported_at": "2026-01-05T09:00:00Z"}],
        late_records=[5],
    )  # fmt: skip
    record_finding(facility.pk, Finding(finding.episode, "s", finding.evidence, True), now=NOW)
    alarm = Alarm.objects.get(facility=facility)
    OperationsRecord.objects.create(
        facility=facility, kind="fault", start=datetime(2026, 1, 5, 3, tzinfo=UTC),
        end=datetime(2026, 1, 5, 6, tzinfo=UTC), reported_at=datetime(2026, 1, 5, 3, tzinfo=UTC),
        reported_by="运维公司 李四", reference="GZ-77",
    )  # fmt: skip
    client.force_login(alice)
    page = client.get(f"/alarms/{alarm.pk}/").content.decode()
    assert "2026-01-05 11:00:00" in page and "2026-01-05 12:00:00" in page  # Beijing time
    assert "YW-5" in page and "晚于所标记时段" in page
    assert "GZ-77" in page and "运维公司 李四" in page
    assert "backing_records" not in page  # not dumped in the numbers table


def test_an_operations_record_is_entered_from_the_facility_alarm_page(
    client: Any, alice: Any, bob: Any, facility: Any
) -> None:
    client.force_login(alice)
    page = client.get(f"/facilities/{facility.pk}/alarms/").content.decode()
    assert 'id="record-form"' in page
    url = f"/facilities/{facility.pk}/operations-records/"
    data = {"kind": "calibration", "start": "2026-01-05T10:00", "end": "2026-01-05T11:30",
            "reported_at": "2026-01-05T09:50", "reported_by": "运维公司 王五",
            "reference": "JZ-2026-3"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    record = OperationsRecord.objects.get()
    assert record.start == datetime(2026, 1, 5, 2, tzinfo=UTC)  # 10:00 Beijing
    assert AuditEntry.objects.filter(model="screening.OperationsRecord", actor="alice").exists()
    refused = client.post(url, {**data, "end": "2026-01-05T09:00"})
    assert refused.status_code == 400 and "结束时间应晚于开始时间" in refused.content.decode()
    client.force_login(bob)
    assert client.post(url, data).status_code == 404
    assert OperationsRecord.objects.count() == 1


def test_readers_see_records_but_no_form(client: Any, audrey: Any, facility: Any) -> None:
    client.force_login(audrey)
    page = client.get(f"/facilities/{facility.pk}/alarms/").content.decode()
    assert 'id="record-table"' in page and 'id="record-form"' not in page
    url = f"/facilities/{facility.pk}/operations-records/"
    assert client.post(url, {"kind": "fault"}).status_code == 403
