"""Alarm lifecycle services: opening or extending an alarm from an episode, and status moves.

Every change runs in one ``transaction.atomic()``: the alarm row is locked with
``select_for_update``, one ``now`` is taken, the alarm is saved and an :class:`AlarmEvent` is
written beside it (style.md §10). The moves allowed are :data:`TRANSITIONS`:

    new → acknowledged → explained → dismissed | confirmed
                       → dismissed (reason required)
                       → confirmed → tasked
    new | acknowledged | confirmed → tasked   (the province makes a task in one step)

An explanation (说明) is recorded, then judged: accepted (dismissed) or not (confirmed). A
status move made by a person is also written to the hash-chained audit log
(:func:`ceguan.core.audit.record`) inside the same transaction: the move, its event and its audit
entry are committed together or not at all.

**Markings and their backing.** Data flagged M, C or D by the enterprise is removed from
exceedance judgement only if the marking is *backed* by an operations record or a reported fault
(运维记录, MEE Announcement 2022 No. 21): :class:`~ceguan.screening.models.OperationsRecord`, judged
by the pure :func:`ceguan.screening.backing.is_backed`. An episode of the
``marking_hides_exceedance`` rule whose marks are not all backed becomes an alarm of category
``falsification_sign`` whose evidence says ``"backing": "unbacked marking"`` and lists the
unbacked hours (:func:`ceguan.screening.operations.marking_backing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ceguan.core import audit
from ceguan.core.audit import current_actor
from ceguan.core.choices import AuditAction
from ceguan.screening.episode import Episode
from ceguan.screening.models import (
    OPEN_STATUSES,
    Alarm,
    AlarmEvent,
    Category,
    ScreeningCursor,
    Status,
)
from ceguan.telemetry.models import TelemetryValue
from ceguan.telemetry.rollup import day_bounds

#: Allowed moves, from → to.
#: ``tasked`` is reachable from new, acknowledged and confirmed: the province turns an alarm into
#: a task in one step (issue 5 §6), which confirms the finding by the same act.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.TASKED}),
    Status.ACKNOWLEDGED: frozenset(
        {Status.EXPLAINED, Status.DISMISSED, Status.CONFIRMED, Status.TASKED}
    ),
    Status.EXPLAINED: frozenset({Status.DISMISSED, Status.CONFIRMED}),
    Status.CONFIRMED: frozenset({Status.TASKED}),
    Status.DISMISSED: frozenset(),
    Status.TASKED: frozenset(),
}
#: Category of each rule's alarms; rules not listed raise ``anomaly`` alarms.
CATEGORY_OF: dict[str, str] = {
    "exceedance": Category.EXCEEDANCE,
    "marking_hides_exceedance": Category.FALSIFICATION_SIGN,  # unbacked marking, see above
    "backdated_rewrite": Category.FALSIFICATION_SIGN,
    "copied_segment": Category.FALSIFICATION_SIGN,
    "reported_while_stopped": Category.FALSIFICATION_SIGN,
    "minute_jumps_rose": Category.FALSIFICATION_SIGN,
    "missing_data": Category.OFFLINE,
    "late_data": Category.OFFLINE,
    "out_of_range": Category.FAULT,
}
UNBACKED_MARKING = "unbacked marking"
#: Episodes this close to an open alarm (one hourly value apart) extend it.
ADJACENT = timedelta(hours=1)
#: Raw-frame ids kept in an alarm's evidence.
MAX_FRAME_IDS = 500
_SEVERITY_RANK = {"info": 0, "warning": 1, "alarm": 2}


class InvalidTransition(ValueError):
    """A status move that :data:`TRANSITIONS` does not allow, or a move missing its reason."""


def category_of(rule_id: str) -> str:
    """The alarm category of a rule's episodes."""
    return CATEGORY_OF.get(rule_id, Category.ANOMALY)


@dataclass(frozen=True)
class Finding:
    """An episode ready to be stored: what the runner adds to the detector's episode."""

    episode: Episode
    rule_source: str
    evidence: dict[str, Any]
    rule_unverified: bool


def record_finding(facility_id: int, finding: Finding, *, now: datetime) -> str:
    """Open an alarm for ``finding``, or extend the open one it overlaps or adjoins.

    Returns ``"created"``, ``"extended"`` or ``"unchanged"`` (an alarm of any status already
    covers the episode: re-screening adds nothing).
    """
    ep = finding.episode
    start, end = _aware(ep.start), _aware(ep.end)
    with transaction.atomic():
        near = list(
            Alarm.objects.select_for_update()
            .filter(
                facility_id=facility_id,
                rule_id=ep.rule_id,
                pollutant=ep.pollutant,
                episode_start__lte=end + ADJACENT,
                episode_end__gte=start - ADJACENT,
            )
            .order_by("episode_start", "pk")
        )
        if any(a.episode_start <= start and a.episode_end >= end for a in near):
            return "unchanged"
        open_ = [a for a in near if a.status in OPEN_STATUSES]
        if open_:
            _extend(open_[0], finding, start, end, now)
            return "extended"
        alarm = Alarm.objects.create(
            facility_id=facility_id,
            pollutant=ep.pollutant,
            rule_id=ep.rule_id,
            rule_version=ep.rule_version,
            rule_source=finding.rule_source[:400],
            category=category_of(ep.rule_id),
            severity=str(ep.severity),
            episode_start=start,
            episode_end=end,
            score=float(ep.score),
            evidence=finding.evidence,
            rule_unverified=finding.rule_unverified,
            opened_at=now,
            updated_at=now,
        )
        AlarmEvent.objects.create(alarm=alarm, at=now, actor="screening", to_status=Status.NEW)
    return "created"


def _extend(alarm: Alarm, finding: Finding, start: datetime, end: datetime, now: datetime) -> None:
    ep = finding.episode
    old_frames = alarm.evidence.get("frame_ids", [])
    evidence = dict(finding.evidence)
    frames = sorted(set(old_frames) | set(evidence.get("frame_ids", [])))
    evidence["frame_ids"] = frames[:MAX_FRAME_IDS]
    before = (alarm.episode_start, alarm.episode_end)
    alarm.episode_start, alarm.episode_end = min(start, before[0]), max(end, before[1])
    alarm.score = max(alarm.score, float(ep.score))
    if _SEVERITY_RANK[str(ep.severity)] > _SEVERITY_RANK[alarm.severity]:
        alarm.severity = str(ep.severity)
    alarm.rule_version = max(alarm.rule_version, ep.rule_version)
    alarm.rule_unverified = alarm.rule_unverified or finding.rule_unverified
    alarm.evidence, alarm.updated_at = evidence, now
    alarm.save()
    note = (
        f"episode extended to {alarm.episode_start.isoformat()} – {alarm.episode_end.isoformat()}"
    )
    AlarmEvent.objects.create(
        alarm=alarm,
        at=now,
        actor="screening",
        from_status=alarm.status,
        to_status=alarm.status,
        note=note,
    )


def _aware(moment: Any) -> datetime:
    return datetime.fromisoformat(f"{moment.astype('datetime64[s]')}+00:00")


def _move(
    alarm: Alarm | int,
    to: str,
    *,
    actor: str | None,
    note: str = "",
    now: datetime | None = None,
    **fields: Any,
) -> Alarm:
    now = now or timezone.now()
    pk = alarm.pk if isinstance(alarm, Alarm) else alarm
    with transaction.atomic():
        locked = Alarm.objects.select_for_update().get(pk=pk)
        allowed = TRANSITIONS[locked.status]
        if to not in allowed:
            names = ", ".join(sorted(allowed)) or "none (final)"
            raise InvalidTransition(
                f"alarm {pk} is {locked.status!r}; it cannot move to {str(to)!r} "
                f"(allowed from {locked.status!r}: {names})"
            )
        from_status = locked.status
        before = {name: getattr(locked, name) for name in ("note", *fields)}
        locked.status, locked.updated_at = to, now
        if note:
            locked.note = note
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        who = (actor if actor is not None else current_actor())[:150]
        AlarmEvent.objects.create(
            alarm=locked, at=now, actor=who, from_status=from_status, to_status=to, note=note
        )
        changes = {"status": [from_status, str(to)]}
        changes.update(
            {k: [v, getattr(locked, k)] for k, v in before.items() if v != getattr(locked, k)}
        )
        audit.record(
            AuditAction.UPDATE,
            model=Alarm._meta.label,
            object_id=locked.pk,
            summary=f"{locked} {from_status} → {to}",
            changes=changes,
            actor=who,
        )
    return locked


def acknowledge(
    alarm: Alarm | int, *, actor: str | None = None, now: datetime | None = None
) -> Alarm:
    """签收: an officer has seen the alarm (new → acknowledged)."""
    return _move(alarm, Status.ACKNOWLEDGED, actor=actor, now=now)


def explain(
    alarm: Alarm | int, note: str, *, actor: str | None = None, now: datetime | None = None
) -> Alarm:
    """说明: record the enterprise's or operator's explanation (acknowledged → explained)."""
    if not note.strip():
        raise InvalidTransition("an explanation needs its text")
    return _move(alarm, Status.EXPLAINED, actor=actor, note=note, now=now)


def dismiss(
    alarm: Alarm | int, reason: str, *, actor: str | None = None, now: datetime | None = None
) -> Alarm:
    """排除: the alarm is not a violation; ``reason`` is required."""
    if not reason.strip():
        raise InvalidTransition("dismissing an alarm needs a reason")
    return _move(alarm, Status.DISMISSED, actor=actor, note=reason, now=now)


def confirm(
    alarm: Alarm | int, note: str = "", *, actor: str | None = None, now: datetime | None = None
) -> Alarm:
    """确认: the finding stands and calls for enforcement."""
    return _move(alarm, Status.CONFIRMED, actor=actor, note=note, now=now)


def mark_tasked(
    alarm: Alarm | int, task_ref: str, *, actor: str | None = None, now: datetime | None = None
) -> Alarm:
    """派发: an enforcement task was created for the alarm (``task_ref`` names it).

    Allowed from new, acknowledged and confirmed (:data:`TRANSITIONS`): the province creates a
    task from an alarm in one step (issue 5 §6); targeting calls this in the transaction that
    creates the task.
    """
    if not task_ref.strip():
        raise InvalidTransition("a tasked alarm needs the task's reference")
    return _move(
        alarm, Status.TASKED, actor=actor, note=f"task {task_ref}", now=now, task_ref=task_ref
    )


#: Alarms the survey's data anomaly rate counts: data anomalies, open or upheld.
ANOMALY_CATEGORIES = (Category.ANOMALY, Category.FALSIFICATION_SIGN)
COUNTED_STATUSES = (*OPEN_STATUSES, Status.CONFIRMED, Status.TASKED)


def area_anomaly_rate(facility_ids: list[int], start_day: date, end_day: date) -> float | None:
    """Share (0–1) of facility-hours over Beijing days ``start_day``..``end_day`` under alarms.

    Counted: alarms of category ``anomaly`` or ``falsification_sign`` that are open (new,
    acknowledged) or upheld (confirmed, tasked); an hour is covered when it holds a data time of
    such an alarm's episode. The denominator is every hour of the window for each facility that
    sent telemetry up to its end and has been screened (has a cursor). None ("no data yet") when
    none has: no telemetry, or not screened yet, is not a rate of 0.
    """
    window_start, window_end = day_bounds(start_day)[0], day_bounds(end_day)[1]
    heard = set(
        TelemetryValue.objects.filter(facility_id__in=facility_ids, data_time__lt=window_end)
        .filter(facility_id__in=ScreeningCursor.objects.values("facility_id"))
        .values_list("facility_id", flat=True)
        .distinct()
    )
    if not heard:
        return None
    alarms = Alarm.objects.filter(
        facility_id__in=heard,
        category__in=ANOMALY_CATEGORIES,
        status__in=COUNTED_STATUSES,
        episode_start__lt=window_end,
        episode_end__gte=window_start,
    ).values_list("facility_id", "episode_start", "episode_end")
    hour = timedelta(hours=1)
    covered: set[tuple[int, int]] = set()
    for facility_id, start, end in alarms:
        first = max(int((start - window_start) // hour), 0)
        last = min(int((end - window_start) // hour), int((window_end - window_start) // hour) - 1)
        covered.update((facility_id, h) for h in range(first, last + 1))
    total = len(heard) * int((window_end - window_start) // hour)
    return len(covered) / total
