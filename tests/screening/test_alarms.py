"""Alarm lifecycle services, jurisdiction and the survey's data anomaly rate (style.md §10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import time_machine

from ceguan.registry.models import Enterprise
from ceguan.registry.survey import survey_area
from ceguan.screening import alarms
from ceguan.screening.alarms import Finding, InvalidTransition, record_finding
from ceguan.screening.episode import Episode, Severity
from ceguan.screening.models import Alarm, AlarmEvent, ScreeningCursor
from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames
from tests.conftest import make_enterprise, make_facility

NOW = datetime(2026, 1, 7, 0, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def make_alarm(facility: Any, **fields: Any) -> Alarm:
    defaults: dict[str, Any] = {
        "facility": facility,
        "pollutant": "so2",
        "rule_id": "constant_run",
        "rule_version": 1,
        "rule_source": "statistical method",
        "category": "anomaly",
        "severity": "warning",
        "episode_start": datetime(2026, 1, 5, 0, tzinfo=UTC),
        "episode_end": datetime(2026, 1, 5, 5, tzinfo=UTC),
        "score": 6.0,
        "opened_at": NOW,
        "updated_at": NOW,
    }
    defaults.update(fields)
    return Alarm.objects.create(**defaults)


@pytest.fixture
def facility(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou))


@time_machine.travel(NOW, tick=False)
def test_an_alarm_moves_through_its_lifecycle_with_one_event_per_move(facility: Any) -> None:
    alarm = make_alarm(facility)
    alarms.acknowledge(alarm, actor="alice")
    alarms.explain(alarm, "检修期间", actor="ent")
    alarms.confirm(alarm.pk, actor="alice")
    done = alarms.mark_tasked(alarm, "RW-2026-001", actor="alice")
    assert done.status == "tasked" and done.task_ref == "RW-2026-001"
    moves = [(e.from_status, e.to_status, e.actor, e.at) for e in alarm.events.all()]
    assert moves == [
        ("new", "acknowledged", "alice", NOW),
        ("acknowledged", "explained", "ent", NOW),
        ("explained", "confirmed", "alice", NOW),
        ("confirmed", "tasked", "alice", NOW),
    ]
    assert AlarmEvent.objects.filter(processed_at__isnull=True).count() == 4  # the outbox


def test_an_invalid_transition_raises_and_writes_nothing(facility: Any) -> None:
    alarm = make_alarm(facility)
    with pytest.raises(InvalidTransition, match="cannot move to 'confirmed'"):
        alarms.confirm(alarm)
    alarms.acknowledge(alarm)
    with pytest.raises(InvalidTransition, match="reason"):
        alarms.dismiss(alarm, "  ")
    dismissed = alarms.dismiss(alarm, "校准期间，有运维记录")
    assert dismissed.note == "校准期间，有运维记录"
    with pytest.raises(InvalidTransition, match="none \\(final\\)"):
        alarms.confirm(alarm)
    alarm.refresh_from_db()
    assert alarm.status == "dismissed"
    assert [e.to_status for e in alarm.events.all()] == ["acknowledged", "dismissed"]


def test_the_status_change_and_its_event_share_one_transaction(
    facility: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alarm = make_alarm(facility)

    def broken(**_: Any) -> None:
        raise RuntimeError("event table unavailable")

    monkeypatch.setattr(AlarmEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        alarms.acknowledge(alarm)
    alarm.refresh_from_db()
    assert alarm.status == "new"


def test_a_finding_inside_a_closed_alarm_adds_nothing(facility: Any) -> None:
    alarm = make_alarm(facility, status="dismissed")
    episode = Episode(
        "constant_run",
        1,
        "so2",
        np.datetime64("2026-01-05T01:00"),
        np.datetime64("2026-01-05T03:00"),
        5.0,
        Severity.WARNING,
    )
    outcome = record_finding(facility.pk, Finding(episode, "s", {}, False), now=NOW)
    assert outcome == "unchanged" and Alarm.objects.get() == alarm


def test_officers_see_only_the_alarms_of_their_city(
    facility: Any, tianshui: Any, alice: Any, bob: Any, petra: Any
) -> None:
    mine = make_alarm(facility)
    theirs = make_alarm(make_facility(make_enterprise(tianshui)))
    assert list(Alarm.objects.visible_to(alice)) == [mine]
    assert list(Alarm.objects.visible_to(bob)) == [theirs]
    assert set(Alarm.objects.visible_to(petra)) == {mine, theirs}


def _one_value(facility: Any, at: datetime) -> None:
    write_frames(
        [
            IncomingFrame(
                received_at=at,
                peer="test",
                raw=b"##test",
                mn=facility.mn,
                facility_id=facility.pk,
                values=[IncomingValue("so2", "hourly", at, value=50.0, flag="N")],
            )
        ]
    )


def test_the_survey_reports_the_share_of_facility_hours_under_anomaly_alarms(
    facility: Any, lanzhou: Any
) -> None:
    as_of = date(2026, 1, 30)  # window: Beijing days 2026-01-01 .. 2026-01-30, 720 h
    area = Enterprise.objects.filter(city=lanzhou)
    assert survey_area(area, lanzhou, as_of).anomaly_rate is None  # no telemetry at all
    _one_value(facility, datetime(2026, 1, 5, tzinfo=UTC))
    assert survey_area(area, lanzhou, as_of).anomaly_rate is None  # not screened yet
    ScreeningCursor.objects.create(facility=facility, fingerprint="x", screened_at=NOW)
    make_facility(make_enterprise(lanzhou))  # never sent data: not in the denominator
    assert survey_area(area, lanzhou, as_of).anomaly_rate == 0.0
    start = datetime(2026, 1, 10, 0, tzinfo=UTC)
    make_alarm(facility, episode_start=start, episode_end=start + timedelta(hours=71))
    make_alarm(  # overlapping hours count once
        facility,
        rule_id="o2_pinned",
        episode_start=start + timedelta(hours=48),
        episode_end=start + timedelta(hours=80),
        status="confirmed",
    )
    make_alarm(facility, rule_id="step_change", status="dismissed", episode_end=start)
    make_alarm(facility, rule_id="exceedance", category="exceedance", episode_end=start)
    # hours 0..80 of the 10th = 81 facility-hours of 720: 11.25 % → 11.2 (round half to even)
    assert survey_area(area, lanzhou, as_of).anomaly_rate == round(100 * 81 / 720, 1)
