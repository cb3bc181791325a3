"""Alarm pages: inbox, alarm page with evidence and actions, a facility's alarms (issue 4 #5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from ceguan.screening.alarms import Finding, record_finding
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.models import Alarm
from tests.conftest import make_enterprise, make_facility

NOW = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 10:00 Beijing time
pytestmark = pytest.mark.django_db


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def exceedance_finding(*, verified: bool = False, start: datetime = START) -> Finding:
    """An SO2 exceedance of three hourly values, with the evidence the runner stores."""
    times = [start + timedelta(hours=h) for h in range(-3, 6)]
    values = [20.0, 22.0, 21.0, 48.0, 52.5, 40.0, 30.0, 25.0, 24.0]
    flags = ["N", "N", "N", "N", "N", "N", "D", "N", "N"]
    episode = Episode(
        "exceedance", 1, "so2", np.datetime64(start.replace(tzinfo=None)),
        np.datetime64((start + timedelta(hours=2)).replace(tzinfo=None)), 1.5,
        Severity.ALARM,
        {"limit": 35.0, "n_values": 3, "max_value": 52.5, "mean_value": 46.83,
         "max_ratio": 1.5, "time_of_max": _z(start + timedelta(hours=1))},
    )  # fmt: skip
    evidence = {
        "episode": episode.as_dict(),
        "series": {
            "kind": "hourly", "basis": "o2_corrected",
            "times": [_z(t) for t in times],
            "values": values, "flags": flags, "truncated": False,
        },
        "frame_ids": [9101, 9102, 9103],
        "limit": {
            "value": 35.0, "unit": "mg/m3", "period": "hourly", "reference_o2": 6.0,
            "source": "standard", "path": "gb13223/so2", "reference": "GB 13223-2011 表 1",
            "clause": "4.1", "verified": verified,
        },
    }  # fmt: skip
    return Finding(episode, "GB 13223-2011 4.1", evidence, not verified)


def make_alarm(facility: Any, **kwargs: Any) -> Alarm:
    record_finding(facility.pk, exceedance_finding(**kwargs), now=NOW)
    return Alarm.objects.filter(facility=facility).latest("pk")


@pytest.fixture
def lz_facility(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou, name="兰州报警测试电厂"))


@pytest.fixture
def ts_facility(tianshui: Any) -> Any:
    return make_facility(make_enterprise(tianshui, name="天水报警测试电厂"))


def test_the_inbox_lists_open_alarms_of_the_users_city(
    client: Any, alice: Any, lz_facility: Any, ts_facility: Any
) -> None:
    mine, theirs = make_alarm(lz_facility), make_alarm(ts_facility)
    client.force_login(alice)
    page = client.get("/alarms/").content.decode()
    assert f"/alarms/{mine.pk}/" in page and f"/alarms/{theirs.pk}/" not in page
    assert "兰州报警测试电厂 · DA001" in page and "天水报警测试电厂" not in page
    assert "二氧化硫" in page  # pollutant's Chinese label
    assert "未核实" in page  # the limit is unverified
    assert "2026-01-05 10:00" in page  # Beijing time
    assert client.get(f"/alarms/{theirs.pk}/").status_code == 404
    assert client.get(f"/facilities/{ts_facility.pk}/alarms/").status_code == 404


def test_the_inbox_filters_and_hides_closed_alarms_by_default(
    client: Any, petra: Any, lz_facility: Any, ts_facility: Any, tianshui: Any
) -> None:
    open_, closed = make_alarm(lz_facility), make_alarm(ts_facility)
    Alarm.objects.filter(pk=closed.pk).update(status="dismissed")
    client.force_login(petra)
    assert f"/alarms/{closed.pk}/" not in client.get("/alarms/").content.decode()
    everything = client.get("/alarms/?status=all").content.decode()
    assert f"/alarms/{closed.pk}/" in everything and f"/alarms/{open_.pk}/" in everything
    by_city = client.get(f"/alarms/?status=all&city={tianshui.pk}").content.decode()
    assert f"/alarms/{closed.pk}/" in by_city and f"/alarms/{open_.pk}/" not in by_city
    searched = client.get("/alarms/?q=兰州报警").content.decode()
    assert f"/alarms/{open_.pk}/" in searched
    assert f"/alarms/{open_.pk}/" not in client.get("/alarms/?category=offline").content.decode()
    assert f"/alarms/{open_.pk}/" in client.get("/alarms/?rule=exceedance").content.decode()
    assert f"/alarms/{open_.pk}/" in client.get("/alarms/?severity=alarm").content.decode()


def test_the_alarm_page_shows_evidence_limit_chart_frames_and_history(
    client: Any, alice: Any, lz_facility: Any
) -> None:
    alarm = make_alarm(lz_facility)
    client.force_login(alice)
    response = client.get(f"/alarms/{alarm.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "exceedance" in page and "GB 13223-2011 4.1" in page
    assert "max_ratio" in page and "52.5" in page
    assert "GB 13223-2011 表 1" in page and 'id="limit-unverified"' in page
    assert 'id="alarm-chart"' in page and 'id="alarm-data"' in page
    chart = response.context["chart"]
    assert chart["limit"] == 35.0 and len(chart["times"]) == 9 and chart["flags"][6] == "D"
    for frame_id in (9101, 9102, 9103):
        assert f"/frames/{frame_id}/raw" in page
    assert f"/facilities/{lz_facility.pk}/frames/?kind=hourly" in page
    assert f"/facilities/{lz_facility.pk}/alarms/" in page
    assert [e.to_status for e in response.context["events"]] == ["new"]
    assert [a["name"] for a in response.context["actions"]] == ["acknowledge"]


def test_a_verified_limit_has_no_warning(client: Any, alice: Any, lz_facility: Any) -> None:
    alarm = make_alarm(lz_facility, verified=True)
    client.force_login(alice)
    page = client.get(f"/alarms/{alarm.pk}/").content.decode()
    assert 'id="limit-unverified"' not in page and "未核实" not in page


def test_actions_move_the_alarm_and_write_events(client: Any, alice: Any, lz_facility: Any) -> None:
    alarm = make_alarm(lz_facility)
    client.force_login(alice)
    url = f"/alarms/{alarm.pk}/"
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    response = client.post(url, {"action": "explain", "note": "检修期间"}, follow=True)
    assert response.status_code == 200 and "已说明" in response.content.decode()
    assert client.post(url, {"action": "confirm"}).status_code == 302
    alarm.refresh_from_db()
    assert alarm.status == "confirmed"
    events = [(e.from_status, e.to_status, e.actor, e.note) for e in alarm.events.all()]
    assert events[1:] == [
        ("new", "acknowledged", "alice", ""),
        ("acknowledged", "explained", "alice", "检修期间"),
        ("explained", "confirmed", "alice", ""),
    ]


def test_dismiss_needs_a_reason_and_invalid_moves_show_the_message(
    client: Any, alice: Any, lz_facility: Any
) -> None:
    alarm = make_alarm(lz_facility)
    client.force_login(alice)
    url = f"/alarms/{alarm.pk}/"
    response = client.post(url, {"action": "dismiss", "note": "停炉"})
    assert response.status_code == 400  # new → dismissed is not a move the services allow
    assert "cannot move" in response.content.decode()
    client.post(url, {"action": "acknowledge"})
    response = client.post(url, {"action": "dismiss", "note": "  "})
    assert response.status_code == 400 and "排除告警必须填写理由" in response.content.decode()
    alarm.refresh_from_db()
    assert alarm.status == "acknowledged" and alarm.events.count() == 2
    reason = "停炉检修，有运维记录"
    assert client.post(url, {"action": "dismiss", "note": reason}).status_code == 302
    alarm.refresh_from_db()
    assert alarm.status == "dismissed" and alarm.note == reason
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 400 and "cannot move" in response.content.decode()
    assert client.post(url, {"action": "bogus"}).status_code == 400


def test_read_only_users_see_no_buttons_and_get_403(
    client: Any, officer: Any, lz_facility: Any
) -> None:
    alarm = make_alarm(lz_facility)
    client.force_login(officer)
    response = client.get(f"/alarms/{alarm.pk}/")
    assert response.status_code == 200 and response.context["actions"] == []
    assert client.post(f"/alarms/{alarm.pk}/", {"action": "acknowledge"}).status_code == 403
    alarm.refresh_from_db()
    assert alarm.status == "new"


def test_the_facility_alarm_history_lists_every_status(
    client: Any, alice: Any, lz_facility: Any
) -> None:
    first = make_alarm(lz_facility)
    Alarm.objects.filter(pk=first.pk).update(status="dismissed")
    second = make_alarm(lz_facility, start=START + timedelta(days=1))
    client.force_login(alice)
    page = client.get(f"/facilities/{lz_facility.pk}/alarms/").content.decode()
    assert f"/alarms/{first.pk}/" in page and f"/alarms/{second.pk}/" in page
    assert "已排除" in page


def test_staff_see_the_alarm_entry_in_the_navigation(client: Any, alice: Any) -> None:
    client.force_login(alice)
    assert 'href="/alarms/"' in client.get("/").content.decode()


def test_alarm_pages_speak_english_on_request(client: Any, alice: Any, lz_facility: Any) -> None:
    from django.utils import translation

    from tests.web.test_translations import CJK, _chrome

    alarm = make_alarm(lz_facility)
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    try:
        for url in ("/alarms/", f"/alarms/{alarm.pk}/", f"/facilities/{lz_facility.pk}/alarms/"):
            page = client.get(url).content.decode()
            chinese = [text for text in _chrome(page) if CJK.search(text)]
            assert not chinese, f"{url}: untranslated chrome: {chinese}"
        detail = client.get(f"/alarms/{alarm.pk}/").content.decode()
        assert "Acknowledge" in detail and "Limit applied" in detail
    finally:
        translation.deactivate()  # a failure here must not leave English on for later tests
