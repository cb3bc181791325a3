"""Typed records of a parsed CP data area (HJ 212-2017 §6.3.3, Table 4; Appendix B).

These are plain ``slots`` dataclasses, not frozen: a frozen dataclass pays ``object.__setattr__``
per field (≈3 µs for a 17-field record here, ten times a plain one), which matters at tens of
thousands of packets per second. Treat them as values: the parser never shares or reuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ceguan.hj212.codes import INFO_CODES, RunState
from ceguan.hj212.times import parse_hj_time

EMPTY: Mapping[Any, Any] = MappingProxyType({})
"""The shared, read-only empty mapping used for absent ``extra``/``devices``/… ."""


def _empty() -> Mapping[Any, Any]:
    return EMPTY


@dataclass(slots=True)
class PollutantRecord:
    """The values of one factor in one packet (HJ 212-2017 Table 4). Absent values are None."""

    code: str
    """The factor code as sent (``a21026``, ``02``, or anything a vendor sends)."""
    rtd: float | None = None
    min: float | None = None
    avg: float | None = None
    max: float | None = None
    cou: float | None = None
    """Amount discharged in the period, in the factor's ``cou_unit`` (kg, m3 …)."""
    zs_rtd: float | None = None
    """Converted (折算) values: reference-oxygen corrected, flue gas."""
    zs_min: float | None = None
    zs_avg: float | None = None
    zs_max: float | None = None
    flag: str | None = None
    """Data flag as sent (compare with :class:`~ceguan.hj212.codes.DataFlag`)."""
    eflag: str | None = None
    """Instrument-defined flag, C4 (``A01``)."""
    sample_time: datetime | None = None
    sn: str | None = None
    """Instrument unique id (``xxx-SN``, CN 3019)."""
    name: str | None = None
    """Glossary name (``so2``) from ``POLLUTANT_CODES``; None for an unknown code."""
    unit: str | None = None
    extra: Mapping[str, str] = field(default_factory=_empty)
    """Other suffixes, raw (``ValidNum``, ``Data``, 2005 ``Ala`` …) and unparseable values."""

    @property
    def known(self) -> bool:
        """False when the code is not in ``POLLUTANT_CODES`` (the raw code is passed through)."""
        return self.name is not None


@dataclass(slots=True)
class DeviceRecord:
    """A treatment facility's state ``SBx-RS`` (CN 2021) and run time ``SBx-RT`` (CN 2041)."""

    device: str
    run_state: RunState | int | None = None
    run_time: float | None = None
    """Hours run in the day [h], 0..24."""


@dataclass(slots=True)
class InfoRecord:
    """A site-information item ``ixxxxx-Info`` (CN 3020/3021, HJ 212-2017 Table B.8)."""

    code: str
    value: str
    pol_id: str | None = None
    """The ``PolId`` it belongs to (the instrument), if one preceded it."""

    @property
    def name(self) -> str | None:
        info = INFO_CODES.get(self.code)
        return info.name if info else None

    @property
    def text(self) -> str:
        """The value without the ``//…//`` log delimiters."""
        v = self.value
        return v[2:-2] if len(v) >= 4 and v.startswith("//") and v.endswith("//") else v

    @property
    def number(self) -> float | None:
        try:
            return float(self.value)
        except ValueError:
            return None


TIME_FIELDS = ("DataTime", "SystemTime", "BeginTime", "EndTime", "RestartTime")
INT_FIELDS = ("QnRtn", "ExeRtn", "RtdInterval", "MinInterval", "OverTime", "ReCount")


@dataclass(slots=True)
class CpPayload:
    """The parsed CP data area of one packet."""

    data_time: datetime | None = None
    """``DataTime`` (Beijing time): period **start** for 2051/2061/2031, the instant for 2011."""
    pollutants: Mapping[str, PollutantRecord] = field(default_factory=_empty)
    """Factor records keyed by the code as sent, in order of appearance."""
    devices: Mapping[str, DeviceRecord] = field(default_factory=_empty)
    info: tuple[InfoRecord, ...] = ()
    fields: Mapping[str, str] = field(default_factory=_empty)
    """Plain ``key=value`` items (``QnRtn``, ``PolId``, ``InfoId``, 2005 ``QN`` …), first value."""
    repeated: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    """Every value of a plain key given more than once (2005 ``PolId=101;PolId=102``)."""
    issues: tuple[str, ...] = ()

    def _int(self, key: str) -> int | None:
        value = self.fields.get(key)
        return int(value) if value is not None else None

    def _time(self, key: str) -> datetime | None:
        value = self.fields.get(key)
        return parse_hj_time(value) if value is not None else None

    @property
    def qn_rtn(self) -> int | None:
        """``QnRtn`` of a 9011 reply (compare with :class:`~ceguan.hj212.commands.QnRtn`)."""
        return self._int("QnRtn")

    @property
    def exe_rtn(self) -> int | None:
        """``ExeRtn`` of a 9012 reply (compare with :class:`~ceguan.hj212.commands.ExeRtn`)."""
        return self._int("ExeRtn")

    @property
    def rtd_interval(self) -> int | None:
        """``RtdInterval`` [s] (CN 1061/1062)."""
        return self._int("RtdInterval")

    @property
    def min_interval(self) -> int | None:
        """``MinInterval`` [min] (CN 1063/1064)."""
        return self._int("MinInterval")

    @property
    def over_time(self) -> int | None:
        """``OverTime`` [s] (CN 1000)."""
        return self._int("OverTime")

    @property
    def re_count(self) -> int | None:
        """``ReCount`` (CN 1000)."""
        return self._int("ReCount")

    @property
    def system_time(self) -> datetime | None:
        return self._time("SystemTime")

    @property
    def begin_time(self) -> datetime | None:
        return self._time("BeginTime")

    @property
    def end_time(self) -> datetime | None:
        return self._time("EndTime")

    @property
    def restart_time(self) -> datetime | None:
        return self._time("RestartTime")

    @property
    def pol_id(self) -> str | None:
        return self.fields.get("PolId")
