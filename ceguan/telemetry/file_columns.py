"""The column mapping of data exported from the national platform (国发平台) as .csv/.xlsx.

Exports differ between platform versions and provinces, so columns are recognised by name:

* fixed columns by a set of accepted headers (:data:`MN_HEADERS`, :data:`TIME_HEADERS`,
  :data:`KIND_HEADERS`, the row-level :data:`FLAG_HEADERS`); :data:`INFO_HEADERS` such as
  企业名称 are read past silently, anything else is reported once as ignored;
* pollutant columns by the Chinese label or HJ 212 code of
  :data:`~ceguan.hj212.codes.POLLUTANT_CODES` or an alias of :data:`ALIASES`, then a suffix that
  says which number the column holds (:data:`PART_SUFFIXES`: 折算 → converted, 排放量 →
  cumulative …) or that it is the pollutant's flag (:data:`FLAG_SUFFIXES`), and a unit in
  brackets: the code table's unit, or one :mod:`~ceguan.telemetry.file_units` converts to it
  (µg ↔ mg; flow rates such as m³/h, m³/d; volumes L, 万m³).

Headers are compared without spaces and case-insensitively, after the registry reader's
normalisation (full-width brackets). A label can name different factors by medium (流量 is
``flow`` at an air outlet, ``water_flow`` at a water outlet), so a column keeps one candidate per
medium and each row picks the one of its facility. Cells are read by :mod:`file_rows`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ceguan.hj212.codes import POLLUTANT_CODES, Medium, PollutantCode
from ceguan.registry.spreadsheets.report import REASON_HEADER, ROW_HEADER
from ceguan.telemetry.file_units import is_unit
from ceguan.telemetry.file_units import normalise_unit as normalise_unit  # re-exported
from ceguan.telemetry.file_units import unit_factor as unit_factor  # re-exported

AIR: Final = "air"
WATER: Final = "water"
#: An outlet's medium (``registry.choices.Medium``) → the code table media its factors come from.
MEDIA: Final = {AIR: (Medium.GAS, Medium.AMBIENT), WATER: (Medium.WATER,)}

# Accepted headers, in order of preference when a file has more than one of a kind.
MN_HEADERS = ("MN号", "MN", "MN编号", "设备MN", "设备MN号", "数采仪MN号", "数采仪编号", "设备编号")
TIME_HEADERS = ("监测时间", "数据时间", "时间", "采集时间", "监测日期", "数据日期", "日期")
KIND_HEADERS = ("数据类型",)
FLAG_HEADERS = ("数据标记", "标记", "数据标识", "标识")
INFO_HEADERS = (
    "序号", "企业名称", "单位名称", "排污单位名称", "监测点名称", "排口名称", "排放口名称",
    "排放口编号", "监测点编号", "行政区划", "所属地区", "地区", "省", "市", "市（州）", "区县",
    "县（区）", "监测点类型", "排放口类型", "备注", ROW_HEADER, REASON_HEADER,
)  # fmt: skip

VALUE, CONVERTED, CUMULATIVE, MINIMUM, MAXIMUM = (
    "value", "converted", "cumulative", "minimum", "maximum",
)  # fmt: skip
#: Suffixes after the label, longest first; the value (实测/均值) suffixes change nothing.
PART_SUFFIXES: Final = (
    ("折算浓度均值", CONVERTED), ("折算浓度", CONVERTED), ("折算均值", CONVERTED),
    ("折算值", CONVERTED), ("折算", CONVERTED), ("实测浓度", VALUE), ("浓度均值", VALUE),
    ("平均浓度", VALUE), ("实测值", VALUE), ("平均值", VALUE), ("实测", VALUE), ("均值", VALUE),
    ("浓度", VALUE), ("排放量", CUMULATIVE), ("累计值", CUMULATIVE), ("累计量", CUMULATIVE),
    ("最小值", MINIMUM), ("最大值", MAXIMUM), ("-ZsAvg", CONVERTED), ("-ZsRtd", CONVERTED),
    ("-Avg", VALUE), ("-Rtd", VALUE), ("-Cou", CUMULATIVE), ("-Min", MINIMUM), ("-Max", MAXIMUM),
)  # fmt: skip
FLAG_SUFFIXES: Final = ("数据标记", "数据标识", "数据状态", "标记", "标识", "标志", "状态", "-Flag")

#: Names the national platform and enterprises use besides the code table's labels:
#: (space-separated aliases, glossary name at an air outlet, at a water outlet; "" = none).
ALIASES: Final = (
    ("烟尘 颗粒物 颗粒物/烟尘 烟尘/颗粒物 颗粒物（烟尘）", "particulate", ""),
    ("氧含量 含氧量 氧气 O2", "o2", ""),
    ("烟气流量 标干流量", "flow", ""),
    ("流量 瞬时流量", "flow", "water_flow"),
    ("废水流量", "", "water_flow"),
    ("温度", "temperature", "water_temperature"),
    ("烟温", "temperature", ""),
    ("湿度", "humidity", ""),
    ("压力", "pressure", ""),
    ("流速", "velocity", ""),
    ("SO2", "so2", ""),
    ("NOx", "nox", ""),
    ("COD CODcr", "", "cod"),
    ("NH3-N", "", "nh3n"),
    ("TP", "", "tp"),
    ("TN", "", "tn"),
    ("pH", "", "ph"),
)


def header_key(header: str) -> str:
    """How headers and labels are compared: no spaces, case-folded."""
    return re.sub(r"\s+", "", header).casefold()


def _outlet_medium(medium: Medium) -> str | None:
    return next((name for name, media in MEDIA.items() if medium in media), None)


def _build_table() -> dict[str, dict[str, PollutantCode]]:
    """Label, code or alias (keyed) → outlet medium → code table row."""
    by_name: dict[tuple[str, str], PollutantCode] = {}
    table: dict[str, dict[str, PollutantCode]] = {}
    for code, row in POLLUTANT_CODES.items():
        medium = _outlet_medium(row.medium)
        if medium is None:
            continue
        by_name.setdefault((row.name, medium), POLLUTANT_CODES[row.code_2017])
        table.setdefault(header_key(code), {}).setdefault(medium, row)
        table.setdefault(header_key(row.label_zh), {}).setdefault(medium, row)
    for aliases, air, water in ALIASES:
        for alias in aliases.split():
            entry = table.setdefault(header_key(alias), {})
            for medium, name in ((AIR, air), (WATER, water)):
                if name:
                    entry[medium] = by_name[(name, medium)]
    return table


PollutantEntry = dict[str, PollutantCode]
TABLE: Final[dict[str, PollutantEntry]] = _build_table()


@dataclass(frozen=True)
class PollutantColumn:
    """A header recognised as one number (or the flag) of one pollutant."""

    header: str
    label: str
    """The header without part suffix, flag suffix and unit, compared form (二氧化硫, ph值)."""
    candidates: PollutantEntry
    part: str
    """``value``, ``converted``, ``cumulative``, ``minimum`` or ``maximum``."""
    is_flag: bool = False
    unit: str | None = None
    """The unit as written in the header, ``None`` when the header names none."""

    def code_for(self, medium: str) -> PollutantCode | None:
        """The factor this column holds at an outlet of ``medium``, if any."""
        return self.candidates.get(medium)


_BRACKETS = re.compile(r"（([^（）]*)）")


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> tuple[str, str | None]:
    for suffix in suffixes:
        if len(text) > len(suffix) and text.endswith(suffix.casefold()):
            return text[: -len(suffix)], suffix
    return text, None


def _resolve(name: str) -> tuple[str, PollutantEntry, str, bool] | None:
    """(label, candidates, part, is_flag) of a header without its unit, or None."""
    key = header_key(name)
    key, flag_suffix = _strip_suffix(key, FLAG_SUFFIXES)
    if key in TABLE:
        return key, TABLE[key], VALUE, flag_suffix is not None
    for suffix, part in PART_SUFFIXES:
        base, found = _strip_suffix(key, (suffix,))
        if found and base in TABLE:
            return base, TABLE[base], part, flag_suffix is not None
    if key.startswith("折算") and key[2:] in TABLE:
        return key[2:], TABLE[key[2:]], CONVERTED, flag_suffix is not None
    return None


def pollutant_column(header: str) -> PollutantColumn | None:
    """Recognise a pollutant header such as ``二氧化硫折算（mg/m³）`` or ``a21026标记``.

    A bracket holding a unit (it contains ``/`` or is ``%``, ``℃``, ``kPa``, ``无量纲`` …) is the
    unit; other brackets are tried first as part of the label (``烟尘（颗粒物）``), then dropped
    as a note (``氨氮（NH3-N）``).
    """
    groups = _BRACKETS.findall(header)
    units = [group for group in groups if is_unit(group)]
    without_units = _BRACKETS.sub(lambda m: "" if is_unit(m.group(1)) else m.group(0), header)
    for candidate in (without_units, _BRACKETS.sub("", header)):
        resolved = _resolve(candidate)
        if resolved is not None:
            label, candidates, part, is_flag = resolved
            unit = None if is_flag or not units else units[-1]
            return PollutantColumn(header, label, candidates, part, is_flag, unit)
    return None


@dataclass(frozen=True)
class Layout:
    """Which header of a file holds what."""

    mn: str | None
    time: str | None
    kind: str | None
    flag: str | None
    pollutants: tuple[PollutantColumn, ...]
    ignored: tuple[str, ...]
    """Headers recognised as nothing (reported once, then read past)."""
    unused: tuple[str, ...]
    """Second MN/time/kind/flag headers: the preferred one is used."""


def _pick(headers: list[str], accepted: tuple[str, ...]) -> list[str]:
    keys = {header_key(h): h for h in reversed(headers)}
    return [keys[header_key(a)] for a in accepted if header_key(a) in keys]


def layout_of(headers: list[str]) -> Layout:
    """Map a file's headers (as the registry reader normalised them) to fixed and data columns."""
    present = [h for h in headers if h]
    fixed = [_pick(present, accepted) for accepted in (MN_HEADERS, TIME_HEADERS, KIND_HEADERS)]
    flags = _pick(present, FLAG_HEADERS)
    taken = {h for group in (*fixed, flags) for h in group}
    info = {header_key(h) for h in INFO_HEADERS}
    pollutants, ignored = [], []
    for header in present:
        if header in taken or header_key(header) in info:
            continue
        column = pollutant_column(header)
        if column is None:
            ignored.append(header)
        else:
            pollutants.append(column)
    first = [group[0] if group else None for group in (*fixed, flags)]
    unused = tuple(h for group in (*fixed, flags) for h in group[1:])
    return Layout(*first, tuple(pollutants), tuple(dict.fromkeys(ignored)), unused)
