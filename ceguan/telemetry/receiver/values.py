"""From a parsed upload to the store's values (HJ 212-2017 §6.3.3, Tables 4 and 9).

Only the four data uploads become values, one kind each (HJ 212-2017 Table 9): 2011 real-time,
2051 minute, 2061 hourly, 2031 daily. Real-time values are ``-Rtd`` (converted ``-ZsRtd``); the
period values are ``-Avg`` with ``-Min``/``-Max``/``-Cou`` (converted ``-ZsAvg``). Factors are
named by the glossary through ``POLLUTANT_CODES`` (:attr:`PollutantRecord.name`); a code the table
does not know is not stored as a value (the raw frame keeps it) and is reported back so the frame
can say which codes were left out. Other uploads (2021/2041 treatment-facility state and run time,
2081 restart time, 3019/3020 instrument information) have no value kind here: their raw frame is
the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ceguan.hj212 import CpPayload, ProtocolVersion
from ceguan.telemetry.choices import DataKind
from ceguan.telemetry.store import IncomingValue
from ceguan.telemetry.store_sql import clean_text

KIND_OF_CN: Mapping[str, str] = MappingProxyType(
    {
        "2011": DataKind.REALTIME.value,
        "2051": DataKind.MINUTE.value,
        "2061": DataKind.HOURLY.value,
        "2031": DataKind.DAILY.value,
    }
)
"""Data upload CN → :class:`~ceguan.telemetry.choices.DataKind` (HJ 212-2017 Table 9)."""

PROTOCOL_CODES: Mapping[ProtocolVersion, str] = MappingProxyType(
    {
        ProtocolVersion.HJ212_2005: "2005",
        ProtocolVersion.HJ212_2017: "2017",
        ProtocolVersion.HJ212_2025: "2025",
        ProtocolVersion.UNKNOWN: "unknown",
    }
)
"""Protocol edition as stored in ``RawFrame.protocol`` / ``FacilityLink.protocol`` (8 chars)."""

_REALTIME = DataKind.REALTIME.value
_new = tuple.__new__  # IncomingValue(...) without its Python-level __new__, once per value
_IV = IncomingValue
_FLAG_MAX = 4  # TelemetryValue.flag


def values_of(cn: str, payload: CpPayload) -> tuple[list[IncomingValue], list[str]]:
    """The values of data upload ``cn`` and the factor codes left out as unknown.

    The caller checks that ``cn`` is a data upload and that ``payload.data_time`` is set. A
    factor given twice (a 2017 and a 2005 code of the same glossary name) keeps its first record.
    A record with neither a number nor a flag (only ``-SampleTime`` or ``-EFlag``) is skipped.
    """
    kind = KIND_OF_CN[cn]
    data_time = payload.data_time
    assert data_time is not None
    out: list[IncomingValue] = []
    seen: set[str] = set()
    unknown: list[str] = []
    realtime = kind == _REALTIME
    for code, r in payload.pollutants.items():
        name = r.name
        if name is None:
            unknown.append(code)
            continue
        if name in seen:
            continue
        seen.add(name)
        flag = r.flag
        if flag:
            if len(flag) > _FLAG_MAX:
                flag = flag[:_FLAG_MAX]
            if "\x00" in flag:
                flag = clean_text(flag)
        else:
            flag = ""
        cumulative = r.cou
        if realtime:
            value, converted = r.rtd, r.zs_rtd
            if value is None and converted is None and cumulative is None and not flag:
                continue
            out.append(
                _new(_IV, (name, kind, data_time, value, None, None, cumulative, converted, flag))
            )
            continue
        value, converted, minimum, maximum = r.avg, r.zs_avg, r.min, r.max
        if (
            value is None
            and converted is None
            and minimum is None
            and maximum is None
            and cumulative is None
            and not flag
        ):
            continue
        out.append(
            _new(_IV, (name, kind, data_time, value, minimum, maximum, cumulative, converted, flag))
        )
    return out, unknown
