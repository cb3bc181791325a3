"""Device commands, the service: check a request and queue it for the receiver.

The facility data page and ``ceguan device`` create :class:`DeviceCommand` rows through
:func:`queue_command`; the receiver sends queued commands to connected devices and writes the
status and answer back. ``parameters`` use the HJ 212 CP field names, times as ISO 8601 in
Beijing time (the receiver formats them as ``YYYYMMDDhhmmss``):

====  ==========================  ===================================================
CN    request                     parameters
====  ==========================  ===================================================
1011  get device time             ``{}`` or ``{"PolId": "w01018"}`` (an instrument's clock)
1012  set device time             ``{"SystemTime": iso}``, default the platform's time now
1062  set real-time interval      ``{"RtdInterval": seconds}``, 30..3600 (HJ 212-2017 C.6)
1064  set minute interval         ``{"MinInterval": minutes}``, 1,2,3,4,5,6,10,12,15,20,30
3020  get site information        ``{"InfoId": "i13001"}``, optional ``"PolId"`` (C.41–C.45)
2011  recall real-time data       ``{"BeginTime": iso, "EndTime": iso}`` (C.20–C.23);
2051  recall minute data          likewise
2061  recall hourly data          likewise
2031  recall daily data           likewise
====  ==========================  ===================================================

``SystemTime`` records the platform's time when the command was queued; a receiver that sends
it later should send its own time at sending (a queued clock is stale).

A QN is ``YYYYMMDDhhmmsszzz`` (Beijing time, milliseconds) plus a three-digit counter: 20
characters, the longest QN HJ 212-2017 Table 3 allows; the answers the device sends carry it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ceguan.hj212.codes import POLLUTANT_CODES, Medium, PollutantCode
from ceguan.hj212.platform_commands import MIN_INTERVALS
from ceguan.hj212.times import BEIJING, format_qn
from ceguan.registry.models import Facility
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.models import DeviceCommand

#: The HJ 212 upload command of each data kind (HJ 212-2017 Table 9).
KIND_CN: Mapping[str, str] = {
    DataKind.REALTIME: "2011",
    DataKind.MINUTE: "2051",
    DataKind.HOURLY: "2061",
    DataKind.DAILY: "2031",
}
#: The commands Ceguan queues, with the label the page shows.
COMMANDS: Mapping[str, Any] = {
    "1011": gettext_lazy("查询设备时间"),
    "1012": gettext_lazy("设置设备时间（平台当前时间）"),
    "1062": gettext_lazy("设置实时数据间隔"),
    "1064": gettext_lazy("设置分钟数据间隔"),
    "3020": gettext_lazy("查询现场参数"),
    "2011": gettext_lazy("补传实时数据"),
    "2051": gettext_lazy("补传分钟数据"),
    "2061": gettext_lazy("补传小时数据"),
    "2031": gettext_lazy("补传日数据"),
}
#: The actions :func:`request_for` knows (the page's menu; the CLI's subcommands).
ACTIONS: Mapping[str, Any] = {
    "time-check": gettext_lazy("查询设备时间（1011）"),
    "time-set": gettext_lazy("校时：设为平台当前时间（1012）"),
    "interval": gettext_lazy("设置分钟数据间隔（1064）"),
    "interval-realtime": gettext_lazy("设置实时数据间隔（1062）"),
    "params": gettext_lazy("查询现场参数（3020）"),
    "recall": gettext_lazy("补传数据（2011/2051/2061/2031）"),
}
_ALLOWED = {
    "1011": {"PolId"},
    "1012": {"SystemTime", "PolId"},
    "1062": {"RtdInterval"},
    "1064": {"MinInterval"},
    "3020": {"InfoId", "PolId"},
}
_INFO_ID = re.compile(r"^i\d{5}$")
_counter = itertools.count()
_MEDIA = {"air": (Medium.GAS, Medium.AMBIENT), "water": (Medium.WATER,)}


def factor(facility: Facility, name: str) -> PollutantCode | None:
    """The factor-table row of a glossary name or code, in the facility's medium if possible."""
    if name in POLLUTANT_CODES:
        return POLLUTANT_CODES[name]
    rows = [r for r in POLLUTANT_CODES.values() if r.name == name and r.code == r.code_2017]
    media = _MEDIA.get(facility.outlet.medium, ())
    return next((r for r in rows if r.medium in media), rows[0] if rows else None)


def beijing_iso(value: object, field: str) -> str:
    """An aware or naive (read as Beijing time) datetime or ISO text, as ISO 8601 in Beijing."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            message = _("%(field)s 不是有效的时间：%(value)s")
            raise ValueError(message % {"field": field, "value": value}) from None
    if not isinstance(value, datetime):
        raise ValueError(_("%(field)s 须为时间。") % {"field": field})
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(BEIJING).isoformat()


def _integer(parameters: Mapping[str, Any], key: str) -> int:
    try:
        return int(parameters[key])
    except (KeyError, TypeError, ValueError):
        raise ValueError(_("须给出整数参数 %(key)s。") % {"key": key}) from None


def check_parameters(facility: Facility, cn: str, parameters: Mapping[str, Any]) -> dict:
    """The parameters of command ``cn``, normalised; ``ValueError`` says what is wrong."""
    if cn not in COMMANDS:
        known = ", ".join(f"{code} {label}" for code, label in COMMANDS.items())
        message = _("未知或不支持的命令编码 %(cn)s；可用：%(known)s")
        raise ValueError(message % {"cn": cn, "known": known})
    allowed = _ALLOWED.get(cn, {"BeginTime", "EndTime"})
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ValueError(
            _("命令 %(cn)s 不接受参数 %(unknown)s（可用：%(allowed)s）。")
            % {"cn": cn, "unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )
    result: dict[str, Any] = {}
    if parameters.get("PolId"):
        row = factor(facility, str(parameters["PolId"]))
        if row is None:
            raise ValueError(_("未知的监测因子 %(p)s。") % {"p": parameters["PolId"]})
        result["PolId"] = row.code_2017
    if cn == "1012":
        result["SystemTime"] = beijing_iso(
            parameters.get("SystemTime") or timezone.now(), "SystemTime"
        )
    elif cn == "1062":
        seconds = result["RtdInterval"] = _integer(parameters, "RtdInterval")
        if not 30 <= seconds <= 3600:
            raise ValueError(_("实时数据间隔须在 30 至 3600 秒之间（HJ 212-2017 C.6）。"))
    elif cn == "1064":
        minutes = result["MinInterval"] = _integer(parameters, "MinInterval")
        if minutes not in MIN_INTERVALS:
            allowed_minutes = ", ".join(str(m) for m in sorted(MIN_INTERVALS))
            raise ValueError(_("分钟数据间隔须为 %(m)s 分钟之一。") % {"m": allowed_minutes})
    elif cn == "3020":
        info = str(parameters.get("InfoId") or "")
        if not _INFO_ID.match(info):
            raise ValueError(_("查询现场参数须给出信息编码 InfoId（如 i13001）。"))
        result["InfoId"] = info
    elif cn in KIND_CN.values():
        if not parameters.get("BeginTime") or not parameters.get("EndTime"):
            raise ValueError(_("补传数据须给出起止时间。"))
        begin = beijing_iso(parameters["BeginTime"], "BeginTime")
        end = beijing_iso(parameters["EndTime"], "EndTime")
        if datetime.fromisoformat(end) <= datetime.fromisoformat(begin):
            raise ValueError(_("结束时间须晚于开始时间。"))
        result.update(BeginTime=begin, EndTime=end)
    return result


def new_qn(now: datetime | None = None) -> str:
    """``YYYYMMDDhhmmsszzz`` in Beijing time plus a three-digit counter (20 characters)."""
    return format_qn(now or timezone.now()) + f"{next(_counter) % 1000:03d}"


def queue_command(
    facility: Facility, cn: str, parameters: Mapping[str, Any], requested_by: str
) -> DeviceCommand:
    """Check and queue command ``cn`` for the facility's device; ``ValueError`` if invalid."""
    if not facility.mn:
        raise ValueError(_("设施没有数采仪 MN 号，无法下发命令。"))
    checked = check_parameters(facility, str(cn).strip(), parameters)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return DeviceCommand.objects.create(
                    facility=facility, cn=str(cn).strip(), qn=new_qn(),
                    parameters=checked, requested_by=requested_by[:150],
                )  # fmt: skip
        except IntegrityError:  # another process took the same QN in the same millisecond
            continue
    raise RuntimeError("could not allocate a unique QN")


def request_for(action: str, **options: Any) -> tuple[str, dict[str, Any]]:
    """(CN, parameters) for a named action of the page and the CLI.

    Actions (:data:`ACTIONS`): ``time-check``, ``time-set``, ``interval`` (``minutes``,
    ``realtime``), ``interval-realtime`` (``minutes``), ``params`` (``info``, ``pollutant``),
    ``recall`` (``kind``, ``begin``, ``end``).
    """
    if action == "interval-realtime":
        action, options = "interval", {**options, "realtime": True}
    if action == "time-check":
        return "1011", {}
    if action == "time-set":
        return "1012", {}
    if action == "interval":
        minutes = options.get("minutes")
        if minutes in (None, ""):
            raise ValueError(_("请给出间隔分钟数。"))
        if options.get("realtime"):
            try:
                return "1062", {"RtdInterval": int(minutes) * 60}
            except (TypeError, ValueError):
                raise ValueError(_("间隔分钟数须为整数。")) from None
        return "1064", {"MinInterval": minutes}
    if action == "params":
        params = {"InfoId": options.get("info") or ""}
        return "3020", params | (
            {"PolId": options["pollutant"]} if options.get("pollutant") else {}
        )
    if action == "recall":
        kind = options.get("kind") or DataKind.MINUTE
        if kind not in KIND_CN:
            raise ValueError(_("未知的数据类型 %(kind)s。") % {"kind": kind})
        return KIND_CN[kind], {"BeginTime": options.get("begin"), "EndTime": options.get("end")}
    raise ValueError(_("未知的命令 %(action)s。") % {"action": action})
