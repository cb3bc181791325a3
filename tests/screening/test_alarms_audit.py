"""Alarm status moves go to the hash-chained audit log with their event, in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from ceguan.core import audit
from ceguan.core.audit import verify_chain
from ceguan.core.models import AuditEntry
from ceguan.screening import alarms
from ceguan.screening.alarms import TRANSITIONS, InvalidTransition
from ceguan.screening.models import Alarm, AlarmEvent, Status
from tests.conftest import make_enterprise, make_facility
from tests.screening.test_alarms import NOW, make_alarm

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility(lanzhou: Any) -> Any:
    return make_facility(make_enterprise(lanzhou))


def trail(alarm: Alarm) -> list[tuple[str, str, dict[str, Any]]]:
    rows = AuditEntry.objects.filter(model="screening.Alarm", object_id=str(alarm.pk))
    return [(e.action, e.actor, e.changes) for e in rows.order_by("id")]


@time_machine.travel(NOW, tick=False)
def test_every_move_writes_one_audit_entry_with_its_actor_and_change(facility: Any) -> None:
    alarm = make_alarm(facility)
    alarms.acknowledge(alarm, actor="alice")
    alarms.explain(alarm, "检修期间", actor="ent")
    alarms.dismiss(alarm.pk, "有运维记录 YW-7", actor="petra")
    assert trail(alarm) == [
        ("update", "alice", {"status": ["new", "acknowledged"]}),
        ("update", "ent", {"status": ["acknowledged", "explained"], "note": ["", "检修期间"]}),
        (
            "update",
            "petra",
            {"status": ["explained", "dismissed"], "note": ["检修期间", "有运维记录 YW-7"]},
        ),
    ]
    assert verify_chain().ok


def test_the_actor_defaults_to_the_current_audit_actor(facility: Any) -> None:
    alarm = make_alarm(facility)
    with audit.acting_as("cli:screen-admin"):
        alarms.acknowledge(alarm)
    [(action, actor, _)] = trail(alarm)
    assert (action, actor) == ("update", "cli:screen-admin")
    assert alarm.events.get().actor == "cli:screen-admin"


def test_a_refused_move_writes_neither_event_nor_audit_entry(facility: Any) -> None:
    alarm = make_alarm(facility, status="dismissed")
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidTransition):
        alarms.confirm(alarm, actor="alice")
    with pytest.raises(InvalidTransition):
        alarms.mark_tasked(alarm, "RW-1", actor="alice")
    assert AuditEntry.objects.count() == before
    assert not AlarmEvent.objects.filter(alarm=alarm).exists()
    assert Alarm.objects.get(pk=alarm.pk).status == "dismissed"


def test_a_failed_audit_write_rolls_back_the_move_and_its_event(
    facility: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alarm = make_alarm(facility)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(alarms.audit, "record", broken)
    with pytest.raises(RuntimeError):
        alarms.acknowledge(alarm, actor="alice")
    assert Alarm.objects.get(pk=alarm.pk).status == "new"
    assert not AlarmEvent.objects.filter(alarm=alarm).exists()


def test_a_failed_event_write_leaves_no_audit_entry(
    facility: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alarm = make_alarm(facility)
    before = AuditEntry.objects.count()

    def broken(**_: Any) -> None:
        raise RuntimeError("event table unavailable")

    monkeypatch.setattr(AlarmEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        alarms.acknowledge(alarm, actor="alice")
    assert AuditEntry.objects.count() == before
    assert Alarm.objects.get(pk=alarm.pk).status == "new"


@pytest.mark.parametrize("start", ["new", "acknowledged", "confirmed"])
def test_the_province_turns_an_alarm_into_a_task_in_one_step(facility: Any, start: str) -> None:
    alarm = make_alarm(facility, status=start)
    done = alarms.mark_tasked(alarm, "SJ-2026-004", actor="petra", now=NOW)
    assert (done.status, done.task_ref, done.note) == ("tasked", "SJ-2026-004", "task SJ-2026-004")
    [event] = alarm.events.all()
    assert (event.from_status, event.to_status, event.actor) == (start, "tasked", "petra")
    [(_, actor, changes)] = trail(alarm)
    assert actor == "petra"
    assert changes["status"] == [start, "tasked"]
    assert changes["task_ref"] == ["", "SJ-2026-004"]


@pytest.mark.parametrize("start", ["explained", "dismissed", "tasked"])
def test_other_statuses_cannot_be_tasked(facility: Any, start: str) -> None:
    alarm = make_alarm(facility, status=start)
    with pytest.raises(InvalidTransition, match="cannot move to 'tasked'"):
        alarms.mark_tasked(alarm, "SJ-1")


def test_the_transition_table() -> None:
    tasked_from = {s for s, targets in TRANSITIONS.items() if Status.TASKED in targets}
    assert tasked_from == {"new", "acknowledged", "confirmed"}
    assert TRANSITIONS[Status.TASKED] == frozenset() == TRANSITIONS[Status.DISMISSED]


def test_audit_verify_passes_after_alarm_moves(facility: Any) -> None:
    for note in ("a", "b"):
        alarm = make_alarm(facility, episode_start=datetime(2026, 1, 5, 0, tzinfo=UTC))
        alarms.acknowledge(alarm, actor="alice")
        alarms.confirm(alarm, note, actor="alice")
        alarms.mark_tasked(alarm, f"RW-{note}", actor="petra")
    out = StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError on a broken chain
    alarm_rows = AuditEntry.objects.filter(model="screening.Alarm").count()
    assert alarm_rows == 6
    assert f"{AuditEntry.objects.count()} rows verified" in out.getvalue()
