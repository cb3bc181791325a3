"""Matching a device's answers to the platform's commands by QN (HJ 212-2017 §6.1, Appendix C).

A request flow (HJ 212-2017 §6.1 "请求命令") reuses the request's QN in every answer: 9011
``QnRtn`` (Table 7) says whether the device accepts it, then a "get" command's result comes as an
upload with the same CN and QN (C.2 ``1011 … SystemTime``, C.5 ``1061 … RtdInterval``, C.41
``3020 … i13001-Info``), and 9012 ``ExeRtn`` (Table 6) ends it. Recalled data (C.20–C.23) come
with new QNs and are stored as data; a device that reuses the request's QN on them is counted
in the answer too. Only the facility the command was sent to can answer it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceguan.hj212 import CpPayload, ExeRtn, QnRtn
from ceguan.telemetry.choices import CommandStatus
from ceguan.telemetry.models import DeviceCommand
from ceguan.telemetry.receiver.values import KIND_OF_CN

_TERMINAL = frozenset({CommandStatus.DONE, CommandStatus.FAILED, CommandStatus.REFUSED})


@dataclass(slots=True)
class OpenCommand:
    """A command row being updated by the answers of one batch."""

    id: int
    facility_id: int
    cn: str
    status: str
    answer: dict[str, Any]
    answered_at: datetime | None = None
    changed: bool = field(default=False)


def find_commands(qns: Iterable[str]) -> dict[str, OpenCommand]:
    """The commands whose QN is among ``qns`` (one indexed query)."""
    wanted = sorted(set(qns))
    if not wanted:
        return {}
    rows = DeviceCommand.objects.filter(qn__in=wanted).values_list(
        "id", "qn", "facility_id", "cn", "status", "answer"
    )
    return {
        qn: OpenCommand(pk, facility_id, cn, status, dict(answer or {}))
        for pk, qn, facility_id, cn, status, answer in rows
    }


def apply_answer(command: OpenCommand, cn: str, payload: CpPayload, received_at: datetime) -> bool:
    """Fold one answer frame into the command; False if the frame is not an answer to it.

    9011: ``QnRtn`` 1 → accepted, otherwise refused. 9012: ``ExeRtn`` 1 → done, otherwise
    failed. An upload with the command's CN: its fields and site information become the answer
    and the command is done (a later 9012 can still fail it); recalled data count as
    ``DataFrames``.
    """
    answer = command.answer
    if cn == "9011":
        rtn = payload.qn_rtn
        answer["QnRtn"] = rtn
        if command.status not in _TERMINAL:
            ok = rtn == QnRtn.READY
            command.status = CommandStatus.ACCEPTED if ok else CommandStatus.REFUSED
    elif cn == "9012":
        rtn = payload.exe_rtn
        answer["ExeRtn"] = rtn
        if command.status != CommandStatus.REFUSED:
            ok = rtn == ExeRtn.SUCCESS
            command.status = CommandStatus.DONE if ok else CommandStatus.FAILED
    elif cn == command.cn and cn in KIND_OF_CN:
        answer["DataFrames"] = int(answer.get("DataFrames", 0)) + 1
    elif cn == command.cn:
        answer.update({k: v for k, v in payload.fields.items() if k != "QN"})
        for info in payload.info:
            answer[f"{info.code}-Info"] = info.text
        if command.status not in _TERMINAL:
            command.status = CommandStatus.DONE
    else:
        return False
    command.answered_at = received_at
    command.changed = True
    return True


def save_commands(commands: Iterable[OpenCommand]) -> None:
    """Write the changed commands (inside the batch's transaction)."""
    for command in commands:
        if command.changed:
            DeviceCommand.objects.filter(pk=command.id).update(
                status=command.status, answer=command.answer, answered_at=command.answered_at
            )
