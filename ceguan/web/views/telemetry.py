"""Telemetry pages: a facility's data (link state, chart, rates, latest values, commands), the
raw frames behind a point, and the province's list of unregistered devices.

Every facility lookup goes through ``Facility.objects.visible_to``: another city's facility is a
404. Frames without a facility (unregistered or rejected devices) are the province's alone. Times
are stored in UTC and shown in Beijing time (``TIME_ZONE``); naive times in requests are Beijing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ceguan.core.jurisdiction import scope_of
from ceguan.hj212.codes import INFO_CODES
from ceguan.hj212.times import format_hj_time
from ceguan.registry.models import Facility
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.commands import ACTIONS, KIND_CN, factor, queue_command, request_for
from ceguan.telemetry.models import (
    DailyRate,
    FacilityLink,
    RawFrame,
    TelemetryValue,
    UnregisteredDevice,
)

H, D = timedelta(hours=1), timedelta(days=1)
#: Default chart window per data kind, and the longest window one request may ask for.
WINDOW = {"realtime": 6 * H, "minute": 24 * H, "hourly": 7 * D, "daily": 90 * D}
MAX_SPAN = {"realtime": 2 * D, "minute": 7 * D, "hourly": 366 * D, "daily": 3660 * D}
#: Points per pollutant a chart gets at most; phones stay responsive (every n-th point kept).
MAX_POINTS = 1500
#: Frames searched for re-sent duplicates of a data time (received up to a day after it).
DUPLICATE_SCAN = 2000
#: Data flag meanings (glossary ``data_flag``; HJ 212-2017 Table 8).
FLAGS = {
    "N": gettext_lazy("正常"), "F": gettext_lazy("停运"), "M": gettext_lazy("维护"),
    "S": gettext_lazy("手工设定"), "D": gettext_lazy("故障"), "C": gettext_lazy("校准"),
    "T": gettext_lazy("超测定上限"), "B": gettext_lazy("通讯异常"),
}  # fmt: skip
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _when(text: str, field: str = "at") -> datetime:
    """An ISO time from a request; naive means Beijing. A ``+`` lost to URL decoding is mended."""
    text = text.strip()
    if len(text) > 19 and text[-6] == " ":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = _("%(field)s 不是有效的时间：%(value)s")
        raise ValueError(message % {"field": field, "value": text}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _facility(request: HttpRequest, pk: int) -> Facility:
    visible = Facility.objects.visible_to(request.user).select_related("outlet__enterprise")
    return get_object_or_404(visible, pk=pk)


def _window(request: HttpRequest, facility: Facility) -> tuple[str, datetime, datetime, str]:
    """(kind, start, end, note) asked by ``?kind=&start=&end=``; by default the last window
    of the kind (:data:`WINDOW`), or the one ending at the latest data if that one is empty."""
    kind, start, end = (request.GET.get(k, "") for k in ("kind", "start", "end"))
    if kind and kind not in DataKind.values:
        raise ValueError(_("未知的数据类型 %(kind)s。") % {"kind": kind})
    kind = kind or DataKind.MINUTE
    values = TelemetryValue.objects.filter(facility=facility, kind=kind)
    until = _when(end, "end") if end else timezone.now()
    since = _when(start, "start") if start else until - WINDOW[kind]
    if not start and not end and not values.filter(data_time__range=(since, until)).exists():
        latest = values.order_by("-data_time").values_list("data_time", flat=True).first()
        if latest is not None:
            until, since = latest, latest - WINDOW[kind]
    if until <= since:
        raise ValueError(_("结束时间须晚于开始时间。"))
    if until - since <= MAX_SPAN[kind]:
        return kind, since, until, ""
    note = _("时间范围过长，已缩短为 %(days)s 天。") % {"days": MAX_SPAN[kind].days}
    return kind, until - MAX_SPAN[kind], until, note


def _label(facility: Facility, pollutant: str) -> tuple[str, str]:
    row = factor(facility, pollutant)
    if row is None:
        return pollutant, ""
    return (row.label_zh if (get_language() or "zh").startswith("zh") else row.name), row.unit or ""


def series_payload(facility: Facility, kind: str, since: datetime, until: datetime) -> dict:
    """The chart's data: current values per pollutant (flag, revision) and superseded ones."""
    rows = (
        TelemetryValue.objects.filter(facility=facility, kind=kind)
        .filter(data_time__gte=since, data_time__lte=until)
        .order_by("pollutant", "data_time", "revision")
        .values_list("pollutant", "data_time", "value", "flag", "revision", "current")
    )
    found: dict[str, tuple[list, list]] = {}
    for pollutant, at, value, flag, revision, current in rows.iterator(chunk_size=5000):
        points = found.setdefault(pollutant, ([], []))[0 if current else 1]
        points.append([_iso(at), value, flag, revision])
    order = [p for p in facility.parameter_list if p in found] + sorted(
        set(found) - set(facility.parameter_list)
    )
    series, step = [], 1
    for pollutant in order:
        points, superseded = found[pollutant]
        n = math.ceil(len(points) / MAX_POINTS)
        if n > 1:  # every n-th point, and every flagged or revised one: evidence stays visible
            keep = (p for i, p in enumerate(points) if i % n == 0 or p[2] not in ("", "N") or p[3])
            points, step = list(keep), max(step, n)
        label, unit = _label(facility, pollutant)
        name = f"{label}（{unit}）" if unit else label
        series.append(dict(pollutant=pollutant, label=name, unit=unit, points=points,
                           superseded=superseded[-MAX_POINTS:]))  # fmt: skip
    note = _("数据点过多：每 %(n)s 个点取 1 个显示，带异常标记或修订的点全部保留。")
    note = note % {"n": step} if step > 1 else ""
    base = reverse("facility-frames", args=[facility.pk])
    return {
        "kind": kind, "kind_label": str(DataKind(kind).label), "start": _iso(since),
        "end": _iso(until), "series": series, "step": step, "downsampled": step > 1,
        "note": note, "flags": {k: str(v) for k, v in FLAGS.items()},
        "frames_url": f"{base}?kind={kind}&at=", "latest": latest_values(facility, kind),
    }  # fmt: skip


def latest_values(facility: Facility, kind: str) -> list[dict[str, Any]]:
    """The current values of the latest data time of ``kind``, with links to their frames."""
    values = TelemetryValue.objects.filter(facility=facility, kind=kind, current=True)
    latest = values.order_by("-data_time").values_list("data_time", flat=True).first()
    base = reverse("facility-frames", args=[facility.pk])
    rows = []
    for value in values.filter(data_time=latest).order_by("pollutant") if latest else ():
        label, unit = _label(facility, value.pollutant)
        at = _iso(value.data_time)
        rows.append(dict(pollutant=value.pollutant, label=label, unit=unit, at=at,
                         at_display=at[:19].replace("T", " "), value=value.value,
                         flag=value.flag, flag_label=str(FLAGS.get(value.flag, value.flag)),
                         revision=value.revision,
                         frames_url=f"{base}?{urlencode({'kind': kind, 'at': at})}"))  # fmt: skip
    return rows


def _rates(facility: Facility) -> dict[str, list]:
    """The last 14 Beijing days of transmission and valid-data rates (percent, hourly data)."""
    rates = DailyRate.objects.filter(facility=facility, kind=DataKind.HOURLY).order_by("-day")
    rows = list(rates[:14])[::-1]

    def pct(rate: float | None) -> float | None:
        return None if rate is None else round(rate * 100, 1)

    return {
        "days": [r.day.isoformat() for r in rows],
        "transmission": [pct(r.transmission_rate) for r in rows],
        "valid": [pct(r.valid_rate) for r in rows],
    }


def _text(facility: Facility) -> dict[str, str]:
    """What the page's script needs: its endpoints and its words, translated."""
    return {
        "series_url": reverse("facility-series", args=[facility.pk]),
        "transmission": _("传输率"), "valid": _("有效率"), "flag": _("标记"),
        "revision": _("第 %(n)s 次修订"), "superseded": _("被修订的原值"),
        "loading": _("正在加载原始报文……"), "failed": _("加载失败，请重试。"),
        "no_data": _("该时间范围内没有数据。"), "frames": _("查看报文"),
    }  # fmt: skip


class CommandForm(forms.Form):
    """A command for the facility's device; :func:`request_for` turns it into CN + parameters."""

    action = forms.ChoiceField(label=gettext_lazy("命令"), choices=ACTIONS.items())
    minutes = forms.IntegerField(
        label=gettext_lazy("间隔（分钟）"), required=False, min_value=1, max_value=60
    )
    info = forms.ChoiceField(label=gettext_lazy("现场参数"), required=False)
    pollutant = forms.ChoiceField(label=gettext_lazy("监测因子（仪器）"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("补传数据类型"), choices=DataKind.choices, required=False
    )
    begin = forms.DateTimeField(label=gettext_lazy("开始时间"), required=False, widget=LOCAL)
    end = forms.DateTimeField(label=gettext_lazy("结束时间"), required=False, widget=LOCAL)

    def __init__(self, facility: Facility, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zh = (get_language() or "zh").startswith("zh")
        info = [(c, f"{c} {i.label_zh if zh else i.name}") for c, i in INFO_CODES.items()]
        self.fields["info"].choices = [("", "—"), *info]
        pollutants = [(p, _label(facility, p)[0]) for p in facility.parameter_list]
        self.fields["pollutant"].choices = [("", _("数采仪本身")), *pollutants]
        self.fields["kind"].initial = DataKind.MINUTE

    def request(self) -> tuple[str, dict[str, Any]]:
        data = dict(self.cleaned_data)
        return request_for(data.pop("action"), **data)


def _context(request: HttpRequest, facility: Facility, form: CommandForm | None) -> dict:
    try:
        kind, since, until, note = _window(request, facility)
    except ValueError as exc:
        kind, since, until, note = _window(HttpRequest(), facility)
        note = str(exc)
    series, rates = series_payload(facility, kind, since, until), _rates(facility)
    series["notes"] = [n for n in (note, series["note"]) if n]
    can_command = Facility.objects.editable_by(request.user).filter(pk=facility.pk).exists()
    return {
        "facility": facility, "outlet": facility.outlet, "enterprise": facility.outlet.enterprise,
        "link": FacilityLink.objects.filter(facility=facility).first(), "kind": kind,
        "kinds": DataKind.choices, "start": timezone.localtime(since).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(until).strftime("%Y-%m-%dT%H:%M"), "series": series,
        "notes": series["notes"], "flags": FLAGS,
        "latest": series["latest"], "rates": rates, "text": _text(facility),
        "rate_rows": zip(rates["days"], rates["transmission"], rates["valid"], strict=True),
        "commands": facility.commands.all()[:20],
        "form": (form or CommandForm(facility)) if can_command else None,
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def facility_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's data page; a POST queues a device command (editors of its city)."""
    facility = _facility(request, pk)
    form = None
    if request.method == "POST":
        if not Facility.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied
        form = CommandForm(facility, request.POST)
        if form.is_valid():
            try:
                cn, parameters = form.request()
                command = queue_command(facility, cn, parameters, request.user.get_username())
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("命令已排队，请求编码 %(qn)s。") % {"qn": command.qn})
                return redirect(reverse("facility-data", args=[pk]) + "#commands")
    context = _context(request, facility, form)
    return render(request, "web/telemetry/facility_data.html", context)


@login_required
@require_GET
def facility_series(request: HttpRequest, pk: int) -> JsonResponse:
    """``?kind=minute&start=…&end=…`` → the chart's JSON (see :func:`series_payload`)."""
    facility = _facility(request, pk)
    try:
        kind, since, until, note = _window(request, facility)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    payload = series_payload(facility, kind, since, until)
    payload["notes"] = [n for n in (note, payload["note"]) if n]
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _with_text(frames: list[RawFrame]) -> list[RawFrame]:
    for frame in frames:  # evidence is bytes; the page shows them as UTF-8, errors replaced
        frame.text = bytes(frame.raw).decode("utf-8", errors="replace")
    return frames


@login_required
@require_GET
def facility_frames(request: HttpRequest, pk: int) -> HttpResponse:
    """The raw frames behind one data time: the original, every revision and re-sent copies."""
    facility = _facility(request, pk)
    try:
        kind, at = DataKind(request.GET.get("kind", "minute")), _when(request.GET.get("at", ""))
    except ValueError:
        raise Http404("bad kind or time") from None
    values = TelemetryValue.objects.filter(facility=facility, kind=kind, data_time=at)
    values = list(values.order_by("pollutant", "revision"))
    ids = {v.frame_id for v in values if v.frame_id}
    frames = list(RawFrame.objects.filter(pk__in=ids))
    stamp = f"DataTime={format_hj_time(at)}".encode()
    nearby = RawFrame.objects.filter(
        facility_id=facility.pk, cn=KIND_CN[kind], received_at__range=(at - H, at + D)
    ).exclude(pk__in=ids)
    frames += [f for f in nearby.order_by("received_at")[:DUPLICATE_SCAN] if stamp in bytes(f.raw)]
    frames.sort(key=lambda f: (f.received_at, f.pk))
    for value in values:
        value.label, value.unit = _label(facility, value.pollutant)
        value.flag_label = FLAGS.get(value.flag, value.flag)
    context = {"facility": facility, "kind": kind, "at": at, "values": values}
    context["frames"] = _with_text(frames)
    partial = request.headers.get("HX-Request") == "true"
    template = "web/telemetry/_frames.html" if partial else "web/telemetry/frames.html"
    return render(request, template, context)


@login_required
@require_GET
def frame_raw(request: HttpRequest, frame_id: int) -> HttpResponse:
    """The exact bytes of one frame; its facility must be visible (no facility: province)."""
    frame = get_object_or_404(RawFrame, pk=frame_id)
    if frame.facility_id is None:
        if not scope_of(request.user).everything:
            raise Http404("frame")
    elif not Facility.objects.visible_to(request.user).filter(pk=frame.facility_id).exists():
        raise Http404("frame")
    response = HttpResponse(bytes(frame.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="frame-{frame.pk}.hj212"'
    return response


def _province_only(request: HttpRequest) -> None:
    if not scope_of(request.user).everything:
        raise PermissionDenied


@login_required
@require_GET
def unregistered_devices(request: HttpRequest) -> HttpResponse:
    """MNs that talked to the receiver but are in no facility (province roles only)."""
    _province_only(request)
    page = Paginator(UnregisteredDevice.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "web/telemetry/unregistered.html", {"page": page})


@login_required
@require_GET
def unregistered_frames(request: HttpRequest, mn: str) -> HttpResponse:
    """The latest frames of an unregistered MN (province roles only)."""
    _province_only(request)
    device = UnregisteredDevice.objects.filter(mn=mn).first()
    frames = list(
        RawFrame.objects.filter(mn=mn, facility__isnull=True).order_by("-received_at")[:100]
    )
    if device is None and not frames:
        raise Http404(mn)
    context = {"mn": mn, "device": device, "frames": _with_text(frames)}
    return render(request, "web/telemetry/unregistered_frames.html", context)
