"""Platform → device requests (HJ 212-2017 §6.1 "请求命令", Appendix C).

Requests ask for an acknowledgement (Flag bit A=1; 2017 Flag=5, 2025 Flag=9). Times are aware
datetimes, sent as Beijing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ceguan.hj212.builders import V2005, V2017, Value, bad_field, build_cp, build_frame
from ceguan.hj212.commands import Command
from ceguan.hj212.header import ProtocolVersion


def build_command(
    cn: str,
    items: Iterable[tuple[str, Value]] = (),
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    version: ProtocolVersion = V2017,
    ack: bool = True,
) -> bytes:
    """Any platform→device request: Flag with A=1 by default (2017: Flag=5)."""
    separator = "," if version is V2005 else ";"
    cp = build_cp(items, separator=separator)
    return build_frame(cn, cp, mn=mn, st=st, pw=pw, qn=qn, version=version, ack=ack)


def _pol(pol_id: str | None) -> list[tuple[str, Value]]:
    return [("PolId", pol_id)] if pol_id is not None else []


def build_get_time(
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    pol_id: str | None = None,
    version: ProtocolVersion = V2017,
) -> bytes:
    """1011: ask the device's (or instrument ``pol_id``'s) clock (HJ 212-2017 C.2)."""
    return build_command(
        Command.GET_TIME, _pol(pol_id), mn=mn, pw=pw, st=st, qn=qn, version=version
    )


def build_set_time(
    system_time: datetime,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    pol_id: str | None = None,
    version: ProtocolVersion = V2017,
) -> bytes:
    """1012: set the device's (or instrument's) clock to ``system_time`` (HJ 212-2017 C.3)."""
    items = [*_pol(pol_id), ("SystemTime", system_time)]
    return build_command(Command.SET_TIME, items, mn=mn, pw=pw, st=st, qn=qn, version=version)


def build_get_rtd_interval(
    *, mn: str, pw: str, st: str, qn: str | datetime, version: ProtocolVersion = V2017
) -> bytes:
    """1061: ask the real-time data interval (HJ 212-2017 C.5)."""
    return build_command(Command.GET_RTD_INTERVAL, mn=mn, pw=pw, st=st, qn=qn, version=version)


def build_set_rtd_interval(
    interval: int,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    version: ProtocolVersion = V2017,
) -> bytes:
    """1062: set the real-time data interval [s], 30 ≤ n ≤ 3600 (HJ 212-2017 C.6)."""
    if not 30 <= interval <= 3600:
        raise bad_field("RtdInterval must be 30..3600 s", interval)
    items = [("RtdInterval", interval)]
    return build_command(
        Command.SET_RTD_INTERVAL, items, mn=mn, pw=pw, st=st, qn=qn, version=version
    )


def build_get_min_interval(
    *, mn: str, pw: str, st: str, qn: str | datetime, version: ProtocolVersion = V2017
) -> bytes:
    """1063: ask the minute data interval (HJ 212-2017 C.7)."""
    return build_command(Command.GET_MIN_INTERVAL, mn=mn, pw=pw, st=st, qn=qn, version=version)


MIN_INTERVALS = frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})
"""Allowed ``MinInterval`` values [min] (HJ 212-2017 Table 9, CN 1064: divisors of 60 ≤ 30)."""


def build_set_min_interval(
    interval: int,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    version: ProtocolVersion = V2017,
) -> bytes:
    """1064: set the minute data interval [min] (HJ 212-2017 C.8)."""
    if interval not in MIN_INTERVALS:
        raise bad_field(f"MinInterval must be one of {sorted(MIN_INTERVALS)}", interval)
    items = [("MinInterval", interval)]
    return build_command(
        Command.SET_MIN_INTERVAL, items, mn=mn, pw=pw, st=st, qn=qn, version=version
    )


def build_data_request(
    cn: str,
    begin_time: datetime | None = None,
    end_time: datetime | None = None,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    version: ProtocolVersion = V2017,
) -> bytes:
    """Recall data: 2051/2061/2031/2041 (and 2011) with BeginTime/EndTime (HJ 212-2017 C.20–C.23).

    Without times, 2011 / 2021 start the real-time / run-state upload (C.10, C.12).
    """
    if (begin_time is None) != (end_time is None):
        raise bad_field("give both BeginTime and EndTime, or neither")
    items: list[tuple[str, Value]] = []
    if begin_time is not None and end_time is not None:
        if end_time < begin_time:
            raise bad_field("EndTime before BeginTime", (begin_time, end_time))
        items = [("BeginTime", begin_time), ("EndTime", end_time)]
    return build_command(cn, items, mn=mn, pw=pw, st=st, qn=qn, version=version)


def build_get_info(
    pol_id: str,
    info_id: str,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    begin_time: datetime | None = None,
    end_time: datetime | None = None,
    version: ProtocolVersion = V2017,
) -> bytes:
    """3020: ask site information/parameters ``info_id`` of instrument ``pol_id`` (C.41–C.45)."""
    items: list[tuple[str, Value]] = [("PolId", pol_id), ("InfoId", info_id)]
    if begin_time is not None and end_time is not None:
        items += [("BeginTime", begin_time), ("EndTime", end_time)]
    return build_command(Command.GET_INFO, items, mn=mn, pw=pw, st=st, qn=qn, version=version)


def build_set_info(
    pol_id: str,
    info_id: str,
    value: Value,
    *,
    mn: str,
    pw: str,
    st: str,
    qn: str | datetime,
    version: ProtocolVersion = V2017,
) -> bytes:
    """3021: set site parameter ``info_id`` of instrument ``pol_id`` (HJ 212-2017 C.46)."""
    items = [("PolId", pol_id), ("InfoId", info_id), (f"{info_id}-Info", value)]
    return build_command(Command.SET_INFO, items, mn=mn, pw=pw, st=st, qn=qn, version=version)
