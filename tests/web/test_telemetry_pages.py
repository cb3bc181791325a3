"""Telemetry pages: a facility's data, series JSON, raw frames, unregistered devices, commands."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from ceguan.core.choices import Role
from ceguan.telemetry.commands import queue_command
from ceguan.telemetry.models import (
    DailyRate,
    DeviceCommand,
    FacilityLink,
    RawFrame,
    UnregisteredDevice,
)
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from ceguan.web.views import telemetry as views
from tests.conftest import make_enterprise, make_facility, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 Beijing time
BJ = "2026-03-01T08:0{}:00+08:00"


def _raw(facility, minute: int, so2: float, flag: str = "N") -> bytes:
    """A minute-data frame as a device would send it (CRC not checked here), one odd byte."""
    cp = f"DataTime=2026030108{minute:02d}00;a21026-Avg={so2},a21026-Flag={flag}"
    return f"##0101QN=1;ST=31;CN=2051;PW=123456;MN={facility.mn};CP=&&{cp}&&\xff".encode("latin-1")


def _send(facility, minute: int, so2: float, flag: str = "N", o2: float = 6.0) -> int:
    at = T0 + timedelta(minutes=minute)
    frame = IncomingFrame(
        received_at=at + timedelta(seconds=30), peer="10.0.0.7:40001",
        raw=_raw(facility, minute, so2, flag), mn=facility.mn, cn="2051", protocol="2017",
        facility_id=facility.pk, values=(
            IncomingValue("so2", "minute", at, value=so2, flag=flag),
            IncomingValue("o2", "minute", at, value=o2, flag="N"),
        ),
    )  # fmt: skip
    return write_frames([frame])[0].frame_id


@pytest.fixture
def ours(lanzhou):
    facility = make_facility(make_enterprise(lanzhou, name="兰州甲热电"))
    _send(facility, 0, 12.5)
    _send(facility, 1, 20.0, flag="D")
    _send(facility, 2, 80.0)
    _send(facility, 2, 35.0)  # a revision: different numbers for the same data time
    _send(facility, 2, 35.0)  # re-sent as is: a duplicate, still evidence
    return facility


@pytest.fixture
def theirs(tianshui):
    facility = make_facility(make_enterprise(tianshui, name="天水乙水泥"))
    _send(facility, 0, 9.0)
    return facility


def test_the_data_page_shows_link_state_chart_latest_values_and_rates(client, alice, ours):
    FacilityLink.objects.create(
        facility=ours, last_seen=T0 + timedelta(minutes=3), peer="10.0.0.7:40001",
        connected=True, protocol="2017", frames=5, duplicates=1, revisions=1,
    )  # fmt: skip
    DailyRate.objects.create(
        facility=ours, day=date(2026, 3, 1), kind="hourly", expected=24, received=18, valid=12
    )
    client.force_login(alice)
    response = client.get(f"/facilities/{ours.pk}/data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "兰州甲热电" in page and "在线" in page and "10.0.0.7:40001" in page
    assert "2026-03-01 08:03:00" in page  # last seen, Beijing time
    assert 'id="telemetry-chart"' in page and 'id="series-data"' in page
    # Latest values: the 08:02 minute, SO2 revised once, each row links to its frames.
    latest = {row["pollutant"]: row for row in response.context["latest"]}
    assert (latest["so2"]["value"], latest["so2"]["revision"]) == (35.0, 1)
    assert latest["so2"]["label"] == "二氧化硫" and latest["so2"]["unit"] == "mg/m3"
    assert "第 1 次修订" in page
    assert (
        f"/facilities/{ours.pk}/frames/?kind=minute&amp;at=2026-03-01T08%3A02%3A00%2B08%3A00"
        in page
    )
    # No data in the last 24 hours: the window is the latest day that has data.
    assert response.context["end"] == "2026-03-01T08:02"
    assert response.context["rates"] == {
        "days": ["2026-03-01"],
        "transmission": [75.0],
        "valid": [66.7],
    }  # fmt: skip  18/24, 12/18
    assert "设备命令" in page and 'name="action"' in page  # alice may edit: the form is there


def test_series_json_carries_values_flags_revisions_and_superseded_originals(client, alice, ours):
    client.force_login(alice)
    response = client.get(
        f"/facilities/{ours.pk}/series.json",
        {"kind": "minute", "start": "2026-03-01T07:00", "end": "2026-03-01T09:00"},
    )
    assert response.status_code == 200
    data = response.json()
    so2 = next(s for s in data["series"] if s["pollutant"] == "so2")
    assert so2["label"] == "二氧化硫（mg/m3）"
    assert so2["points"] == [
        [BJ.format(0), 12.5, "N", 0],
        [BJ.format(1), 20.0, "D", 0],
        [BJ.format(2), 35.0, "N", 1],  # revision 1 is current
    ]
    assert so2["superseded"] == [[BJ.format(2), 80.0, "N", 0]]  # the original, marked
    assert data["flags"]["D"] == "故障" and data["flags"]["B"] == "通讯异常"
    assert (data["downsampled"], data["step"], data["note"]) == (False, 1, "")
    assert [s["pollutant"] for s in data["series"]] == ["so2", "o2"]  # facility's order
    assert data["start"] == "2026-03-01T07:00:00+08:00"
    assert data["frames_url"] == f"/facilities/{ours.pk}/frames/?kind=minute&at="


def test_series_json_downsamples_every_nth_point_and_keeps_flagged_ones(
    client, alice, lanzhou, monkeypatch
):
    facility = make_facility(make_enterprise(lanzhou))
    values = [
        IncomingValue("so2", "minute", T0 + timedelta(minutes=i), value=float(i),
                      flag="C" if i == 7 else "N")
        for i in range(50)
    ]  # fmt: skip
    write_frames([IncomingFrame(T0, "p", b"x", mn=facility.mn, cn="2051",
                                facility_id=facility.pk, values=values)])  # fmt: skip
    monkeypatch.setattr(views, "MAX_POINTS", 10)
    client.force_login(alice)
    data = client.get(f"/facilities/{facility.pk}/series.json?kind=minute").json()
    [so2] = data["series"]
    assert [p[1] for p in so2["points"]] == [0, 5, 7, 10, 15, 20, 25, 30, 35, 40, 45]
    assert data["downsampled"] is True and data["step"] == 5
    assert "每 5 个点取 1 个" in data["note"] and data["notes"] == [data["note"]]


def test_series_json_refuses_an_unknown_kind_and_a_reversed_window(client, alice, ours):
    client.force_login(alice)
    url = f"/facilities/{ours.pk}/series.json"
    assert client.get(url, {"kind": "weekly"}).status_code == 400
    reversed_window = {"start": "2026-03-02T00:00", "end": "2026-03-01T00:00"}
    response = client.get(url, reversed_window)
    assert response.status_code == 400 and "结束时间" in response.json()["error"]


def test_the_frames_of_a_point_are_the_original_every_revision_and_resent_copies(
    client, alice, ours
):
    client.force_login(alice)
    response = client.get(f"/facilities/{ours.pk}/frames/", {"kind": "minute", "at": BJ.format(2)})
    assert response.status_code == 200
    page = response.content.decode()
    frames = list(RawFrame.objects.filter(facility_id=ours.pk).order_by("pk"))[2:]
    assert [f.outcome for f in frames] == ["stored", "revision", "duplicate"]
    for frame in frames:
        assert frame.sha256 in page
        assert f"/frames/{frame.pk}/raw" in page
    assert "a21026-Avg=80.0" in page and "a21026-Avg=35.0" in page
    assert "\ufffd" in page  # the byte that is not UTF-8, replaced for display
    assert "已被修订" in page and "10.0.0.7:40001" in page
    assert "a21026-Avg=12.5" not in page  # another data time
    partial = client.get(
        f"/facilities/{ours.pk}/frames/",
        {"kind": "minute", "at": BJ.format(2)},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert frames[0].sha256 in partial and "<html" not in partial


def test_a_lost_plus_in_the_time_is_mended_and_a_bad_time_is_not_found(client, alice, ours):
    client.force_login(alice)
    url = f"/facilities/{ours.pk}/frames/?kind=minute&at=2026-03-01T08:02:00+08:00"
    assert "a21026-Avg=80.0" in client.get(url).content.decode()
    assert client.get(f"/facilities/{ours.pk}/frames/?at=yesterday").status_code == 404


def test_the_raw_download_is_the_exact_bytes(client, alice, ours):
    frame = RawFrame.objects.filter(facility_id=ours.pk).first()
    client.force_login(alice)
    response = client.get(f"/frames/{frame.pk}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    assert response.content == _raw(ours, 0, 12.5)
    assert hashlib.sha256(response.content).hexdigest() == frame.sha256


@pytest.mark.parametrize(
    "url",
    [
        "/facilities/{pk}/data/",
        "/facilities/{pk}/series.json?kind=minute",
        "/facilities/{pk}/frames/?kind=minute&at=2026-03-01T08%3A00%3A00%2B08%3A00",
        "/frames/{frame}/raw",
    ],
)
def test_another_citys_facility_is_not_found(client, alice, bob, theirs, url):
    frame = RawFrame.objects.get(facility_id=theirs.pk)
    url = url.format(pk=theirs.pk, frame=frame.pk)
    client.force_login(alice)
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 200


def test_pages_need_a_login(client, ours):
    response = client.get(f"/facilities/{ours.pk}/data/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.fixture
def unregistered(db):
    raw = b"##0080QN=2;ST=31;CN=2011;PW=123456;MN=GHOST0001;CP=&&DataTime=20260301080000&&"
    [result] = write_frames(
        [IncomingFrame(T0, "10.9.9.9:1", raw, mn="GHOST0001", cn="2011", outcome="unregistered")]
    )
    UnregisteredDevice.objects.create(
        mn="GHOST0001", first_seen=T0, last_seen=T0, peer="10.9.9.9:1", frames=1, last_cn="2011"
    )
    return RawFrame.objects.get(pk=result.frame_id)


def test_the_province_lists_unregistered_devices_and_their_frames(client, petra, unregistered):
    client.force_login(petra)
    page = client.get("/telemetry/unregistered/").content.decode()
    assert "GHOST0001" in page and "10.9.9.9:1" in page and "2011" in page
    assert "/telemetry/unregistered/GHOST0001/frames/" in page
    frames = client.get("/telemetry/unregistered/GHOST0001/frames/").content.decode()
    assert unregistered.sha256 in frames and "DataTime=20260301080000" in frames
    assert client.get(f"/frames/{unregistered.pk}/raw").content == bytes(unregistered.raw)
    assert client.get("/telemetry/unregistered/NOBODY/frames/").status_code == 404


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.CITY_ADMIN, Role.OFFICER])
def test_other_roles_may_not_see_unregistered_devices(client, lanzhou, unregistered, role):
    client.force_login(make_user("carl", role, lanzhou))
    assert client.get("/telemetry/unregistered/").status_code == 403
    assert client.get("/telemetry/unregistered/GHOST0001/frames/").status_code == 403
    assert client.get(f"/frames/{unregistered.pk}/raw").status_code == 404


def test_the_registry_page_of_a_facility_links_to_its_data(client, alice, ours):
    client.force_login(alice)
    page = client.get(f"/r/facilities/{ours.pk}/").content.decode()
    assert f'href="/facilities/{ours.pk}/data/"' in page


# Device commands ---------------------------------------------------------------------------


def _post(client, facility, **data):
    return client.post(f"/facilities/{facility.pk}/data/", data)


def test_a_city_editor_queues_a_command_from_the_page(client, alice, ours):
    client.force_login(alice)
    response = _post(client, ours, action="interval", minutes="5", kind="minute")
    assert response.status_code == 302
    command = DeviceCommand.objects.get(facility=ours)
    assert (command.cn, command.parameters, command.status) == (
        "1064",
        {"MinInterval": 5},
        "queued",
    )
    assert command.requested_by == "alice"
    assert re.fullmatch(r"20\d{18}", command.qn)
    page = client.get(response["Location"]).content.decode()
    assert command.qn in page and "待发送" in page


def test_a_recall_and_a_realtime_interval_from_the_page(client, alice, ours):
    client.force_login(alice)
    _post(client, ours, action="recall", kind="hourly", begin="2026-03-01T00:00",
          end="2026-03-01T12:00")  # fmt: skip
    _post(client, ours, action="interval-realtime", minutes="2", kind="minute")
    recall, interval = DeviceCommand.objects.filter(facility=ours).order_by("pk")
    assert (recall.cn, recall.parameters) == (
        "2061",
        {"BeginTime": "2026-03-01T00:00:00+08:00", "EndTime": "2026-03-01T12:00:00+08:00"},
    )
    assert (interval.cn, interval.parameters) == ("1062", {"RtdInterval": 120})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "interval", "minutes": "7"}, "分钟数据间隔须为"),
        ({"action": "recall"}, "补传数据须给出起止时间"),
        ({"action": "params"}, "InfoId"),
        ({"action": "reboot"}, "reboot"),
    ],
)
def test_an_invalid_command_is_refused_with_a_reason(client, alice, ours, data, message):
    client.force_login(alice)
    response = _post(client, ours, kind="minute", **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DeviceCommand.objects.exists()


def test_commands_need_an_editor_of_the_facilitys_city(client, alice, audrey, theirs):
    client.force_login(audrey)  # the auditor sees everything and changes nothing
    assert 'name="action"' not in client.get(f"/facilities/{theirs.pk}/data/").content.decode()
    assert _post(client, theirs, action="time-check", kind="minute").status_code == 403
    client.force_login(alice)
    assert _post(client, theirs, action="time-check", kind="minute").status_code == 404
    assert not DeviceCommand.objects.exists()


def test_queue_command_checks_cn_and_parameters(ours):
    with pytest.raises(ValueError, match="未知或不支持的命令编码 9999"):
        queue_command(ours, "9999", {}, "t")
    with pytest.raises(ValueError, match="不接受参数 Minutes"):
        queue_command(ours, "1064", {"Minutes": 5}, "t")
    with pytest.raises(ValueError, match="30 至 3600 秒"):
        queue_command(ours, "1062", {"RtdInterval": 10}, "t")
    with pytest.raises(ValueError, match="结束时间须晚于开始时间"):
        queue_command(ours, "2051", {"BeginTime": "2026-03-02", "EndTime": "2026-03-01"}, "t")
    ours.mn = None
    with pytest.raises(ValueError, match="MN"):
        queue_command(ours, "1011", {}, "t")


def test_queue_command_fills_the_time_and_names_factors_by_code(ours):
    before = datetime.now(UTC)
    time_set = queue_command(ours, "1012", {}, "t")
    sent = datetime.fromisoformat(time_set.parameters["SystemTime"])
    assert sent.utcoffset() == timedelta(hours=8) and sent >= before.replace(microsecond=0)
    info = queue_command(ours, "3020", {"InfoId": "i13001", "PolId": "so2"}, "t")
    assert info.parameters == {"InfoId": "i13001", "PolId": "a21026"}  # air facility: SO2
    qns = {queue_command(ours, "1011", {}, "t").qn for _ in range(20)}
    assert len(qns) == 20


def test_the_cli_queues_a_command_and_prints_its_qn(ours):
    out = io.StringIO()
    call_command("device", ours.mn, "interval", "--minutes", "10", stdout=out)
    command = DeviceCommand.objects.get()
    assert out.getvalue().strip() == command.qn
    assert (command.cn, command.parameters) == ("1064", {"MinInterval": 10})
    assert command.requested_by.startswith("cli:")
    call_command("device", ours.mn, "recall", "--kind", "daily", "--begin", "2026-02-01",
                 "--end", "2026-03-01", stdout=io.StringIO())  # fmt: skip
    recall = DeviceCommand.objects.get(cn="2031")
    assert recall.parameters["BeginTime"] == "2026-02-01T00:00:00+08:00"
    call_command("device", ours.mn, "params", "--info", "i13001", "--pollutant", "o2",
                 stdout=io.StringIO())  # fmt: skip
    assert DeviceCommand.objects.get(cn="3020").parameters["PolId"] == "a19001"


def test_the_cli_refuses_an_unknown_mn_and_bad_parameters(ours):
    with pytest.raises(CommandError, match="no facility"):
        call_command("device", "NOPE", "time-check")
    with pytest.raises(CommandError, match="分钟数据间隔"):
        call_command("device", ours.mn, "interval", "--minutes", "7")
    with pytest.raises(CommandError, match="实时数据间隔"):
        call_command("device", ours.mn, "interval", "--minutes", "90", "--realtime")
    assert not DeviceCommand.objects.exists()
