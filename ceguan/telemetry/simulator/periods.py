"""Data periods built from minute samples, the device's bounded history, and their CP records.

A period is what one upload carries: a real-time instant (2011), a minute interval (2051), an
hour (2061) or a day (2031). Minute and hourly values are the mean, minimum and maximum of the
minute samples; ``-Cou`` is the amount discharged (concentration × flow); the flag follows
HJ 212-2017 C.16–C.18: flue gas N when ≥ 75 % of samples are N, wastewater abnormal as soon as
one sample is (hj212.md §7).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from ceguan.hj212 import POLLUTANT_CODES, PollutantRecord, ProtocolVersion
from ceguan.telemetry.simulator.signals import Sample, SignalModel, factor_for


class Kind(StrEnum):
    """Period kinds, named as ``telemetry.DataKind``."""

    REALTIME = "realtime"
    MINUTE = "minute"
    HOURLY = "hourly"
    DAILY = "daily"

    @property
    def cn(self) -> str:
        """The HJ 212 upload command of the kind."""
        return {"realtime": "2011", "minute": "2051", "hourly": "2061", "daily": "2031"}[self]


CN_KIND = {kind.cn: kind for kind in Kind}
_CODE_2005 = {r.code_2017: r.code for r in POLLUTANT_CODES.values() if r.code != r.code_2017}


@dataclass(frozen=True, slots=True)
class Stat:
    """One pollutant's values in a period."""

    avg: float
    min: float
    max: float
    cou: float | None = None
    zs: float | None = None
    """Converted (折算) mean."""
    flag: str = "N"


@dataclass(frozen=True, slots=True)
class Period:
    """One upload's worth of data; ``data_time`` is the period start on the device's clock."""

    kind: Kind
    data_time: datetime
    stats: dict[str, Stat]


def period_flag(flags: Iterable[str], gas: bool) -> str:
    """The flag of a period from its samples' flags (HJ 212-2017 C.16–C.18 notes)."""
    counts = Counter(flags)
    total = sum(counts.values())
    abnormal = [(n, f) for f, n in counts.items() if f != "N"]
    if not abnormal or (gas and counts["N"] >= 0.75 * total):
        return "N"
    return max(abnormal)[1]


def _amount(name: str, value: float, values: dict[str, float], gas: bool) -> float | None:
    """Amount discharged in one minute, in the factor's ``cou_unit`` (kg, g or m³)."""
    row = factor_for(name, gas)
    if row is None or row.cou_unit is None:
        return None
    if name == "flow":
        return value * 60.0  # m³/s → m³
    if name == "water_flow":
        return value * 0.06  # L/s → m³
    flow = values.get("flow" if gas else "water_flow")
    # mg/m³ × m³/s or mg/L × L/s (µg/L × L/s) over 60 s: mg (µg) → kg (g) is 1e-6.
    return None if flow is None else value * flow * 60.0 * 1e-6


def aggregate(samples: Sequence[Sample], model: SignalModel) -> dict[str, Stat]:
    """Per-pollutant statistics of a period's minute samples (at least one)."""
    gas = model.gas
    converted = [model.converted(s.values) for s in samples]
    out: dict[str, Stat] = {}
    for name in samples[0].values:
        values = [s.values[name] for s in samples]
        amounts = [_amount(name, s.values[name], s.values, gas) for s in samples]
        zs = [c[name] for c in converted if name in c]
        out[name] = Stat(
            avg=sum(values) / len(values),
            min=min(values),
            max=max(values),
            cou=None if None in amounts else sum(a for a in amounts if a is not None),
            zs=sum(zs) / len(zs) if zs else None,
            flag=period_flag((s.flags[name] for s in samples), gas),
        )
    return out


def combine(periods: Sequence[Period], kind: Kind, data_time: datetime, gas: bool) -> Period:
    """A longer period (a day) from shorter ones (its hours)."""
    stats: dict[str, Stat] = {}
    for name in periods[0].stats:
        parts = [p.stats[name] for p in periods if name in p.stats]
        cous = [s.cou for s in parts]
        zs = [s.zs for s in parts if s.zs is not None]
        stats[name] = Stat(
            avg=sum(s.avg for s in parts) / len(parts),
            min=min(s.min for s in parts),
            max=max(s.max for s in parts),
            cou=None if None in cous else sum(c for c in cous if c is not None),
            zs=sum(zs) / len(zs) if zs else None,
            flag=period_flag((s.flag for s in parts), gas),
        )
    return Period(kind, data_time, stats)


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(value, 3 if abs(value) >= 1 else 5)
    return rounded + 0.0  # no "-0.0"


def records(period: Period, gas: bool, version: ProtocolVersion) -> list[PollutantRecord]:
    """CP records of a period: 2017/2025 codes, or the 2005 code where one existed."""
    out = []
    old = version is ProtocolVersion.HJ212_2005
    for name, stat in period.stats.items():
        row = factor_for(name, gas)
        if row is None:
            continue  # a parameter the factor table does not know: no code to send it under
        code = _CODE_2005.get(row.code, row.code) if old else row.code
        zs = None if old else _num(stat.zs)
        if period.kind is Kind.REALTIME:
            out.append(PollutantRecord(code, rtd=_num(stat.avg), zs_rtd=zs, flag=stat.flag))
            continue
        out.append(
            PollutantRecord(
                code, min=_num(stat.min), avg=_num(stat.avg), max=_num(stat.max),
                cou=_num(stat.cou), zs_avg=zs, flag=stat.flag,
            )
        )  # fmt: skip
    return out


class Dated(Protocol):
    """Anything stored in a :class:`History`: a period, or a receipt of one."""

    @property
    def kind(self) -> Kind: ...

    @property
    def data_time(self) -> datetime: ...


T = TypeVar("T", bound=Dated)


class History(Generic[T]):
    """The device's own storage: the last ``size`` items of each kind (a ring buffer)."""

    def __init__(self, size: int = 3000) -> None:
        self.size = size
        self._kinds: dict[Kind, OrderedDict[datetime, T]] = {}

    def add(self, item: T) -> None:
        """Store an item, replacing one of the same kind and time (a rewrite)."""
        store = self._kinds.setdefault(item.kind, OrderedDict())
        store[item.data_time] = item
        store.move_to_end(item.data_time)
        while len(store) > self.size:
            store.popitem(last=False)

    def between(self, kind: Kind, begin: datetime, end: datetime) -> list[T]:
        """Stored items of ``kind`` whose data time is in ``[begin, end]``, in time order."""
        found = [p for t, p in self._kinds.get(kind, {}).items() if begin <= t <= end]
        return sorted(found, key=lambda p: p.data_time)

    def __len__(self) -> int:
        return sum(len(store) for store in self._kinds.values())
