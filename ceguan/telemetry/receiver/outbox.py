"""Platform → device commands: queued ``DeviceCommand`` rows out to connected devices.

``ceguan device`` and the facility page queue commands (:mod:`ceguan.telemetry.commands`); the
receiver that holds a facility's connection claims them (``queued`` → ``sent``, a conditional
update, so two receivers never send the same one), builds the request frame with the HJ 212
builders (HJ 212-2017 §6.1 "请求命令", Flag A=1, Appendix C.2–C.23, C.41) and writes it. The
answers come back through :mod:`.answers`. A sent command with no answer at all within the
timeout becomes ``expired`` (HJ 212-2017 §6.2: a device answers 9011 within OverTime × ReCount).

All functions here run in the receiver's database thread.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ceguan.hj212 import (
    Hj212Error,
    ProtocolVersion,
    build_command,
    build_data_request,
    build_get_info,
    build_get_time,
    build_set_min_interval,
    build_set_rtd_interval,
    build_set_time,
)
from ceguan.telemetry.choices import CommandStatus
from ceguan.telemetry.models import DeviceCommand, FacilityLink
from ceguan.telemetry.receiver.values import KIND_OF_CN

log = logging.getLogger("ceguan.telemetry.receiver")

#: The version to speak to a device, from the last protocol it used (``FacilityLink.protocol``).
VERSIONS: Mapping[str, ProtocolVersion] = {
    "2005": ProtocolVersion.HJ212_2005,
    "2017": ProtocolVersion.HJ212_2017,
    "2025": ProtocolVersion.HJ212_2025,
}
#: ST of requests by outlet medium (HJ 212-2017 Table 5: 31 flue gas, 32 wastewater).
SYSTEM_CODES: Mapping[str, str] = {"air": "31", "water": "32"}


def build_request(
    command: DeviceCommand, *, mn: str, pw: str, st: str, version: ProtocolVersion
) -> bytes:
    """The request frame of a queued command (parameters as :mod:`~ceguan.telemetry.commands`)."""
    p: dict[str, Any] = command.parameters or {}
    who = {"mn": mn, "pw": pw, "st": st, "qn": command.qn, "version": version}
    pol_id = p.get("PolId") or None
    cn = command.cn
    if cn == "1011":
        return build_get_time(pol_id=pol_id, **who)
    if cn == "1012":
        return build_set_time(datetime.fromisoformat(p["SystemTime"]), pol_id=pol_id, **who)
    if cn == "1062":
        return build_set_rtd_interval(int(p["RtdInterval"]), **who)
    if cn == "1064":
        return build_set_min_interval(int(p["MinInterval"]), **who)
    if cn == "3020" and pol_id:
        return build_get_info(pol_id, p["InfoId"], **who)
    if cn in KIND_OF_CN and p.get("BeginTime"):
        begin = datetime.fromisoformat(p["BeginTime"])
        return build_data_request(cn, begin, datetime.fromisoformat(p["EndTime"]), **who)
    return build_command(cn, sorted((k, str(v)) for k, v in p.items()), **who)


def claim_commands(
    facility_ids: Collection[int], *, limit: int = 200, now: datetime | None = None
) -> list[tuple[int, int, bytes]]:
    """Claim queued commands of these facilities: ``(command id, facility id, frame)`` to send.

    A command whose request cannot be built is marked failed with the error as its answer.
    """
    if not facility_ids:
        return []
    now = now or timezone.now()
    queued = (
        DeviceCommand.objects.filter(status=CommandStatus.QUEUED, facility_id__in=facility_ids)
        .select_related("facility__outlet")
        .order_by("created", "pk")[:limit]
    )
    rows = list(queued)
    protocols = dict(
        FacilityLink.objects.filter(facility_id__in={c.facility_id for c in rows}).values_list(
            "facility_id", "protocol"
        )
    )
    claimed = []
    for command in rows:
        facility = command.facility
        version = VERSIONS.get(protocols.get(facility.pk, ""), ProtocolVersion.HJ212_2017)
        st = SYSTEM_CODES.get(facility.outlet.medium, "32")
        try:
            frame = build_request(
                command, mn=facility.mn or "", pw=facility.device_password, st=st, version=version
            )
        except (Hj212Error, KeyError, ValueError, TypeError) as exc:
            log.warning("command %s (CN %s) cannot be built: %s", command.qn, command.cn, exc)
            DeviceCommand.objects.filter(pk=command.pk, status=CommandStatus.QUEUED).update(
                status=CommandStatus.FAILED, answer={"error": str(exc)[:200]}, answered_at=now
            )
            continue
        won = DeviceCommand.objects.filter(pk=command.pk, status=CommandStatus.QUEUED).update(
            status=CommandStatus.SENT, sent_at=now
        )
        if won:
            claimed.append((command.pk, facility.pk, frame))
    return claimed


def unclaim(command_ids: Collection[int]) -> int:
    """Put back commands claimed for a connection that closed before they were written."""
    return DeviceCommand.objects.filter(
        pk__in=list(command_ids), status=CommandStatus.SENT, answered_at=None
    ).update(status=CommandStatus.QUEUED, sent_at=None)


def expire_commands(timeout_seconds: float, *, now: datetime | None = None) -> int:
    """Sent commands without any answer after ``timeout_seconds`` become expired."""
    cutoff = (now or timezone.now()) - timedelta(seconds=timeout_seconds)
    return DeviceCommand.objects.filter(
        status=CommandStatus.SENT, sent_at__lt=cutoff, answered_at=None
    ).update(status=CommandStatus.EXPIRED)
