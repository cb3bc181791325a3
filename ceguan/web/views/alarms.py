"""Alarm pages: the inbox, one alarm with its evidence and actions, and a facility's alarms.

Every lookup goes through ``Alarm.objects.visible_to``: another city's alarm is a 404. Status
moves go through :mod:`ceguan.screening.alarms` only (each writes its event); users who cannot
edit (officers, the auditor) get 403 on a POST. Times are shown in Beijing time (``TIME_ZONE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

import ceguan.screening.detectors  # noqa: F401  (registers the built-in rules)
from ceguan.core.jurisdiction import scope_of
from ceguan.hj212.codes import POLLUTANT_CODES
from ceguan.registry.models import Facility, Region
from ceguan.screening import alarms as services
from ceguan.screening.alarms import TRANSITIONS, InvalidTransition
from ceguan.screening.backing import BACKED
from ceguan.screening.models import Alarm, Category, Severity, Status
from ceguan.screening.operations import records_overlapping
from ceguan.screening.registry import DETECTORS
from ceguan.web.views.tasks import tasking_form

#: The inbox's default: alarms still waiting for a decision.
OPEN = (Status.NEW, Status.ACKNOWLEDGED, Status.EXPLAINED)
PER_PAGE = 50
#: Operations records listed on a facility's alarm page, newest first.
RECORDS_SHOWN = 50
#: Evidence keys shown in their own section rather than the table of numbers.
BACKING_KEYS = ("backing", "marks", "unbacked_times", "backing_records", "late_records")
#: Action name → (target status, button label, whether a note is asked, whether it is required).
ACTIONS: dict[str, tuple[str, Any, bool, bool]] = {
    "acknowledge": (Status.ACKNOWLEDGED, gettext_lazy("签收"), False, False),
    "explain": (Status.EXPLAINED, gettext_lazy("记录说明"), True, True),
    "dismiss": (Status.DISMISSED, gettext_lazy("排除"), True, True),
    "confirm": (Status.CONFIRMED, gettext_lazy("确认"), True, False),
}
#: Names of the numbers detectors put in an episode's evidence, for the readable table.
EVIDENCE_LABELS: dict[str, Any] = {
    "limit": gettext_lazy("限值"),
    "n_values": gettext_lazy("数据个数"),
    "max_value": gettext_lazy("最大值"),
    "mean_value": gettext_lazy("平均值"),
    "max_ratio": gettext_lazy("最大超标倍数（值/限值）"),
    "time_of_max": gettext_lazy("最大值时间"),
}
_UNITS = {row.name: row.unit or "" for row in POLLUTANT_CODES.values()}
_LABELS_ZH = {row.name: row.label_zh for row in POLLUTANT_CODES.values()}


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def pollutant_label(name: str) -> str:
    """The pollutant's Chinese name (glossary name in English); ``—`` for device findings."""
    if not name:
        return "—"
    return _LABELS_ZH.get(name, name) if _zh() else name


def rule_title(rule_id: str) -> str:
    spec = DETECTORS.get(rule_id)
    if spec is None:
        return rule_id
    return spec.title_zh if _zh() else spec.title_en


def _visible(request: HttpRequest) -> QuerySet[Alarm]:
    return Alarm.objects.visible_to(request.user).select_related(
        "facility__outlet__enterprise__city"
    )


def _decorate(alarms: Any) -> list[Alarm]:
    rows = list(alarms)
    for alarm in rows:
        alarm.pollutant_label = pollutant_label(alarm.pollutant)
        alarm.rule_title = rule_title(alarm.rule_id)
    return rows


def _filters(request: HttpRequest) -> list[dict[str, Any]]:
    statuses = [("all", _("全部状态")), *Status.choices]
    rules = sorted((rule_id, rule_title(rule_id)) for rule_id in DETECTORS)
    filters = [
        {"name": "status", "label": _("状态"), "options": statuses, "all": _("未办结")},
        {"name": "category", "label": _("类别"), "options": Category.choices},
        {"name": "severity", "label": _("级别"), "options": Severity.choices},
        {"name": "rule", "label": _("规则"), "options": rules},
    ]
    if scope_of(request.user).everything:
        cities = Region.objects.filter(level="city").order_by("code")
        options = [(str(c.pk), c.name if _zh() else c.name_en or c.name) for c in cities]
        filters.insert(3, {"name": "city", "label": _("市（州）"), "options": options})
    for f in filters:
        f["current"] = request.GET.get(f["name"], "")
        f.setdefault("all", _("全部"))
    return filters


def filtered(request: HttpRequest, alarms: QuerySet[Alarm]) -> QuerySet[Alarm]:
    """``alarms`` narrowed by the inbox's query string; by default the open ones."""
    get = request.GET
    status = get.get("status", "")
    if status == "":
        alarms = alarms.filter(status__in=OPEN)
    elif status != "all":
        alarms = alarms.filter(status=status)
    for name, field in (("category", "category"), ("severity", "severity"), ("rule", "rule_id")):
        if get.get(name):
            alarms = alarms.filter(**{field: get[name]})
    if get.get("city", "").isdigit() and scope_of(request.user).everything:
        alarms = alarms.filter(facility__outlet__enterprise__city_id=int(get["city"]))
    q = get.get("q", "").strip()
    if q:
        alarms = alarms.filter(
            Q(facility__outlet__enterprise__name__icontains=q)
            | Q(facility__outlet__code__icontains=q)
            | Q(facility__mn__icontains=q)
        )
    return alarms.order_by("-opened_at", "-pk")


def _page(request: HttpRequest, alarms: QuerySet[Alarm]) -> tuple[Any, str]:
    page = Paginator(alarms, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list)
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return page, query


@login_required
@require_GET
def alarm_inbox(request: HttpRequest) -> HttpResponse:
    """The alarms the user may see, filtered; by default the open ones, newest first."""
    page, query = _page(request, filtered(request, _visible(request)))
    context = {"page": page, "query_string": query, "filters": _filters(request)}
    context["q"] = request.GET.get("q", "")
    return render(request, "web/alarms/inbox.html", context)


@login_required
@require_GET
def facility_alarms(request: HttpRequest, pk: int) -> HttpResponse:
    """Every alarm of one facility (any status), newest first, and its operations records."""
    return facility_alarms_page(request, pk)


def facility_alarms_page(request: HttpRequest, pk: int, record_form: Any = None) -> HttpResponse:
    """The facility alarm page; ``record_form`` is a refused operations record to show again."""
    from ceguan.web.views.permit_limits import OperationsRecordForm

    visible = Facility.objects.visible_to(request.user).select_related("outlet__enterprise")
    facility = get_object_or_404(visible, pk=pk)
    page, query = _page(request, _visible(request).filter(facility=facility))
    can_edit = Facility.objects.editable_by(request.user).filter(pk=pk).exists()
    context = {
        "facility": facility, "page": page, "query_string": query, "can_edit": can_edit,
        "records": facility.operations_records.all()[:RECORDS_SHOWN],
        "record_form": record_form or (OperationsRecordForm() if can_edit else None),
    }  # fmt: skip
    return render(request, "web/alarms/facility.html", context, status=400 if record_form else 200)


def _local(iso_text: Any) -> str:
    """An ISO UTC time of the evidence (``…Z``) as Beijing wall-clock text."""
    if not isinstance(iso_text, str):
        return str(iso_text)
    try:
        moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00"))
    except ValueError:
        return iso_text
    if timezone.is_naive(moment):
        return iso_text
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _evidence_rows(numbers: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for key, value in numbers.items():
        shown = _local(value) if key.startswith("time") or key.endswith("_at") else value
        if isinstance(shown, float):
            shown = f"{shown:g}"
        rows.append((str(EVIDENCE_LABELS.get(key, key)), key, str(shown)))
    return rows


def chart_payload(alarm: Alarm) -> dict[str, Any]:
    """What ``alarm.js`` draws: the evidence series, the episode, the limit and the words."""
    evidence = alarm.evidence or {}
    series = evidence.get("series") or {}
    limit = evidence.get("limit") or {}
    unit = limit.get("unit") or _UNITS.get(alarm.pollutant, "")
    label = pollutant_label(alarm.pollutant)
    return {
        "times": series.get("times", []), "values": series.get("values", []),
        "flags": series.get("flags", []), "kind": series.get("kind", "hourly"),
        "start": alarm.episode_start.isoformat(), "end": alarm.episode_end.isoformat(),
        "limit": limit.get("value"), "unit": unit,
        "name": f"{label}（{unit}）" if unit else label,
        "text": {"episode": _("异常时段"), "limit": _("限值"), "flag": _("数据标记"),
                 "no_data": _("证据中没有数据序列。")},
    }  # fmt: skip


def _actions(request: HttpRequest, alarm: Alarm) -> list[dict[str, Any]]:
    if not Alarm.objects.editable_by(request.user).filter(pk=alarm.pk).exists():
        return []
    allowed = TRANSITIONS[alarm.status]
    return [
        {"name": name, "label": label, "note": note, "required": required}
        for name, (to, label, note, required) in ACTIONS.items()
        if to in allowed
    ]


def _detail_context(request: HttpRequest, alarm: Alarm) -> dict[str, Any]:
    evidence = alarm.evidence or {}
    episode = evidence.get("episode") or {}
    frame_ids = [int(f) for f in evidence.get("frame_ids", [])]
    at = urlencode({"kind": (evidence.get("series") or {}).get("kind", "hourly"),
                    "at": timezone.localtime(alarm.episode_start).isoformat()})  # fmt: skip
    numbers = episode.get("evidence") or {}
    skip = ("episode", "series", "limit", "frame_ids", *BACKING_KEYS)
    extra = {k: v for k, v in evidence.items() if k not in skip}
    return {
        "alarm": alarm, "facility": alarm.facility, "pollutant_label": pollutant_label(
            alarm.pollutant), "rule_title": rule_title(alarm.rule_id),
        "evidence_rows": _evidence_rows(numbers) + _evidence_rows(extra),
        "limit": evidence.get("limit"), "chart": chart_payload(alarm), "frame_ids": frame_ids,
        "frames_url": reverse("facility-frames", args=[alarm.facility_id]) + f"?{at}",
        "truncated": (evidence.get("series") or {}).get("truncated", False),
        "events": alarm.events.all(), "actions": _actions(request, alarm),
        "statuses": dict(Status.choices), "backing": _backing(evidence),
        "records": records_overlapping(alarm), "tasking": tasking_form(request, alarm),
    }  # fmt: skip


def _backing(evidence: dict[str, Any]) -> dict[str, Any] | None:
    """The marking's backing as the runner judged it, times in Beijing time; None if not judged."""
    if "backing" not in evidence:
        return None
    late = set(evidence.get("late_records") or [])
    records = [
        {**r, "start": _local(r.get("start")), "end": _local(r.get("end")),
         "reported_at": _local(r.get("reported_at")), "late": r.get("id") in late}
        for r in evidence.get("backing_records") or []
    ]  # fmt: skip
    return {
        "backed": evidence["backing"] == BACKED,
        "unbacked": [_local(t) for t in evidence.get("unbacked_times") or []],
        "records": records,
    }


def _act(request: HttpRequest, alarm: Alarm) -> str:
    """Run the posted action through the services; returns the success message."""
    name, note = request.POST.get("action", ""), request.POST.get("note", "").strip()
    if name not in ACTIONS:
        raise InvalidTransition(_("未知的操作。"))
    actor = request.user.get_username()
    if name == "acknowledge":
        services.acknowledge(alarm, actor=actor)
    elif name == "explain":
        services.explain(alarm, note, actor=actor)
    elif name == "dismiss":
        if not note:
            raise InvalidTransition(_("排除告警必须填写理由。"))
        services.dismiss(alarm, note, actor=actor)
    else:
        services.confirm(alarm, note, actor=actor)
    return _("已%(action)s。") % {"action": ACTIONS[name][1]}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alarm: what was found and why, its chart, frames and history; a POST moves it."""
    alarm = get_object_or_404(_visible(request), pk=pk)
    status = 200
    if request.method == "POST":
        if not Alarm.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied
        try:
            done = _act(request, alarm)
        except InvalidTransition as exc:
            messages.error(request, _("操作未执行：%(reason)s") % {"reason": exc})
            alarm.refresh_from_db()
            status = 400
        else:
            messages.success(request, done)
            return redirect("alarm-detail", pk=pk)
    context = _detail_context(request, alarm)
    return render(request, "web/alarms/detail.html", context, status=status)
