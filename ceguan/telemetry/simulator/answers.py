"""How a simulated device answers platform commands, and the frames it uploads (pure).

Request flow (HJ 212-2017 §6.1): 9011 ``QnRtn`` → result upload (same QN, no ack asked) or
recalled data (new QNs, each acknowledged) → 9012 ``ExeRtn``. Notifications (2012) get 9013.
Supported: 1000, 1011, 1012, 1061–1064, 1072, 2011/2012 (real-time on/off), data recall
2011/2051/2061/2031 with BeginTime/EndTime, 3011–3013 (acknowledged, nothing happens), 3020.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ceguan.hj212 import (
    MIN_INTERVALS,
    Command,
    ExeRtn,
    InfoRecord,
    Packet,
    ProtocolVersion,
    QnRtn,
    build_execution_reply,
    build_notification_reply,
    build_request_reply,
    build_split_upload,
    build_upload,
    format_hj_time,
)
from ceguan.hj212.builders import Value
from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator.periods import CN_KIND, History, Kind, Period, combine, records

V2005 = ProtocolVersion.HJ212_2005
INFO_VALUES: dict[str, str] = {
    "i12001": "0",  # work state: running
    "i12002": "0",  # instrument ↔ DAS communication normal
    "i12003": "0",  # no alarm
    "i13001": "500",  # measuring range
    "i13002": "0.1",  # precision
    "i13003": "60",  # measuring interval, min
    "i13004": "165",  # digestion temperature, °C
    "i13005": "15",  # digestion time, min
    "i13007": "0.02",  # intercept
    "i13008": "1.003",  # slope
    "i13009": "4",  # detection limit
    "i22001": "0",  # DAS state
    "i23001": "84.6",  # local air pressure, kPa (Lanzhou is at 1,520 m)
}
"""Site information a simulated device reports for CN 3020 (HJ 212-2017 Table B.8)."""


@dataclass
class DeviceState:
    """What a device knows and what platform commands may change."""

    mn: str
    pw: str
    st: str
    version: ProtocolVersion
    gas: bool
    clock: Callable[[], datetime]
    """The device clock now (drift and ``adjust`` included)."""
    history: History[Any] = field(default_factory=History)
    """What was sent: periods, or receipts that ``rebuild`` turns into periods."""
    rebuild: Callable[[Any], Period | None] = lambda item: item
    adjust: float = 0.0
    """Seconds added to the clock by 1012 time set."""
    min_interval: int = 10
    rtd_interval: int = 30
    realtime: bool = False
    over_time: float = 10.0
    re_count: int = 3


@dataclass
class Answer:
    """What to send for one platform command, in order."""

    replies: list[bytes] = field(default_factory=list)
    """Sent at once (9011, direct results, 9013)."""
    uploads: list[Period] = field(default_factory=list)
    """Recalled data, each sent as an acknowledged upload with a new QN."""
    final: list[bytes] = field(default_factory=list)
    """Sent after the uploads (9012)."""


def upload_frames(state: DeviceState, period: Period, qn: datetime) -> list[bytes]:
    """The frame(s) of a data upload: ack asked (2017/2025) or a 2005 upload without QN/Flag."""
    cn = period.kind.cn
    pollutants = records(period, state.gas, state.version)
    common = {"mn": state.mn, "pw": state.pw, "st": state.st, "data_time": period.data_time}
    if state.version is V2005:
        return [
            build_upload(cn, qn=None, pollutants=pollutants, version=V2005, ack=False, **common)
        ]
    return build_split_upload(cn, qn=qn, pollutants=pollutants, version=state.version, **common)


def _result(
    state: DeviceState,
    cn: str,
    qn: str | None,
    items: list[tuple[str, Value]],
    info: tuple[InfoRecord, ...] = (),
) -> bytes:
    cp_time = state.clock() if info else None
    return build_upload(
        cn, mn=state.mn, pw=state.pw, st=state.st, qn=qn, data_time=cp_time, items=items,
        info=info, version=state.version, ack=False,
    )  # fmt: skip


def respond(state: DeviceState, packet: Packet) -> Answer:
    """Answer one platform request or notification; applies what it sets to ``state``."""
    header, cp = packet.header, packet.payload
    cn = header.cn
    if header.mn != state.mn:
        return Answer([build_request_reply(header, QnRtn.BAD_MN)])
    if header.pw and header.pw != state.pw:
        return Answer([build_request_reply(header, QnRtn.BAD_PASSWORD)])
    if cn == Command.STOP_RTD_DATA:
        state.realtime = False
        return Answer([build_notification_reply(header)])
    ready = build_request_reply(header, QnRtn.READY)
    done = [build_execution_reply(header, ExeRtn.SUCCESS)]
    rejected = Answer([build_request_reply(header, QnRtn.REJECTED)])
    if cn in CN_KIND and cp.begin_time is not None and cp.end_time is not None:
        periods = _recall(state, CN_KIND[cn], cp.begin_time, cp.end_time)
        final = done if periods else [build_execution_reply(header, ExeRtn.NO_DATA)]
        return Answer([ready], periods, final)
    if cn == Command.RTD_DATA:
        state.realtime = True
        return Answer([ready])
    if cn == Command.GET_TIME:
        now = state.clock()
        items: list[tuple[str, Value]] = [("PolId", cp.pol_id)] if cp.pol_id else []
        result = _result(state, cn, header.qn, [*items, ("SystemTime", now)])
        return Answer([ready, result], [], done)
    if cn == Command.SET_TIME and cp.system_time is not None:
        state.adjust += (cp.system_time - state.clock()).total_seconds()
        return Answer([ready], [], done)
    if cn == Command.GET_RTD_INTERVAL:
        result = _result(state, cn, header.qn, [("RtdInterval", state.rtd_interval)])
        return Answer([ready, result], [], done)
    if cn == Command.GET_MIN_INTERVAL:
        result = _result(state, cn, header.qn, [("MinInterval", state.min_interval)])
        return Answer([ready, result], [], done)
    if cn == Command.SET_RTD_INTERVAL:
        if cp.rtd_interval is None or not 30 <= cp.rtd_interval <= 3600:
            return rejected
        state.rtd_interval = cp.rtd_interval
        return Answer([ready], [], done)
    if cn == Command.SET_MIN_INTERVAL:
        if cp.min_interval not in MIN_INTERVALS:
            return rejected
        state.min_interval = cp.min_interval or state.min_interval
        return Answer([ready], [], done)
    if cn == Command.SET_TIMEOUT:
        state.over_time = float(cp.over_time or state.over_time)
        state.re_count = cp.re_count or state.re_count
        return Answer([ready], [], done)
    if cn == Command.SET_PASSWORD and cp.fields.get("NewPW"):
        state.pw = cp.fields["NewPW"]
        return Answer([ready], [], done)
    if cn == Command.GET_INFO:
        return _info(state, packet, ready, done)
    if cn in (Command.CALIBRATE, Command.SAMPLE_NOW, Command.CLEAN_OR_BLOWBACK):
        return Answer([ready], [], done)
    return Answer([build_request_reply(header, QnRtn.BAD_CN)])


def _info(state: DeviceState, packet: Packet, ready: bytes, done: list[bytes]) -> Answer:
    header, cp = packet.header, packet.payload
    info_id = cp.fields.get("InfoId", "")
    value = INFO_VALUES.get(info_id)
    if info_id == "i13006":  # last calibration: this morning's routine check
        value = format_hj_time(state.clock().replace(hour=2, minute=0, second=0))
    if value is None:
        return Answer([ready], [], [build_execution_reply(header, ExeRtn.NO_DATA)])
    record = InfoRecord(info_id, value, pol_id=cp.pol_id)
    return Answer([ready, _result(state, header.cn, header.qn, [], (record,))], [], done)


def _recall(state: DeviceState, kind: Kind, begin: datetime, end: datetime) -> list[Period]:
    """Stored periods for a recall; days are made from the stored hours."""

    def stored(kind: Kind, begin: datetime, end: datetime) -> list[Period]:
        periods = map(state.rebuild, state.history.between(kind, begin, end))
        return [p for p in periods if p is not None]

    if kind is not Kind.DAILY:
        return stored(kind, begin, end)
    hours = stored(Kind.HOURLY, begin, end + timedelta(hours=23))
    days: dict[datetime, list[Period]] = {}
    for hour in hours:
        day = hour.data_time.astimezone(BEIJING).replace(hour=0, minute=0, second=0)
        if begin <= day <= end:
            days.setdefault(day, []).append(hour)
    return [combine(parts, Kind.DAILY, day, state.gas) for day, parts in sorted(days.items())]
