"""Factor (pollutant) codes → glossary names and units: the one ``POLLUTANT_CODES`` table.

Both HJ 212-2017 codes (``a21026``) and the HJ/T 212-2005 codes they replaced (``02``, the
"原编码" column of HJ 212-2017 Appendix B) map to the same glossary name, so nothing past the
receiver sees raw codes. Units are ASCII (``mg/m3``, ``degC``, ``ug/L``); ``None`` = dimensionless.

Sources: HJ 212-2017 Appendix B Tables B.1–B.3 as summarised in ``shared/design/hj212.md`` §8;
units the summary leaves out follow the code table shipped in ``srdgame/lua-HJ212``
(``hj212/tags/info.lua``), not checked against the PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType


class Medium(StrEnum):
    """What a factor is measured in; used to reject a 2005 code read in the wrong medium."""

    WATER = "water"
    GAS = "gas"
    AMBIENT = "ambient"
    NOISE = "noise"


@dataclass(frozen=True, slots=True)
class PollutantCode:
    """One row of the factor table."""

    code: str
    """The code as sent (2017 ``a21026`` or 2005 ``02``)."""
    name: str
    """Glossary name (``so2``)."""
    medium: Medium
    unit: str | None
    """Unit of Rtd/Min/Avg/Max values."""
    cou_unit: str | None
    """Unit of ``-Cou`` (amount discharged in the period), None if the factor has no amount."""
    label_zh: str
    code_2017: str
    """The HJ 212-2017 code of this factor (equal to ``code`` for 2017 rows)."""

    @property
    def is_2005_code(self) -> bool:
        return self.code != self.code_2017


_W, _G, _A, _N = Medium.WATER, Medium.GAS, Medium.AMBIENT, Medium.NOISE

# code_2017, code_2005, name, medium, unit, cou_unit, 中文
_ROWS: tuple[tuple[str, str, str, Medium, str | None, str | None, str], ...] = (
    # Wastewater (ST=32), HJ 212-2017 Table B.1
    ("w00000", "B01", "water_flow", _W, "L/s", "m3", "污水流量"),
    ("w01001", "001", "ph", _W, None, None, "pH值"),
    ("w01002", "002", "colour", _W, None, None, "色度"),
    ("w01009", "", "dissolved_oxygen", _W, "mg/L", None, "溶解氧"),
    ("w01010", "", "water_temperature", _W, "degC", None, "水温"),
    ("w01012", "003", "ss", _W, "mg/L", "kg", "悬浮物"),
    ("w01014", "", "conductivity", _W, "uS/cm", None, "电导率"),
    ("w01017", "010", "bod5", _W, "mg/L", "kg", "五日生化需氧量"),
    ("w01018", "011", "cod", _W, "mg/L", "kg", "化学需氧量"),
    ("w01019", "", "codmn", _W, "mg/L", "kg", "高锰酸盐指数"),
    ("w01020", "015", "toc", _W, "mg/L", "kg", "总有机碳"),
    ("w20111", "020", "hg", _W, "ug/L", "g", "总汞"),
    ("w20115", "022", "cd", _W, "ug/L", "g", "总镉"),
    ("w20116", "023", "cr", _W, "mg/L", "kg", "总铬"),
    ("w20117", "024", "cr6", _W, "ug/L", "g", "六价铬"),
    ("w20119", "026", "as", _W, "ug/L", "g", "总砷"),
    ("w20120", "027", "pb", _W, "ug/L", "g", "总铅"),
    ("w20121", "028", "ni", _W, "mg/L", "kg", "总镍"),
    ("w20122", "029", "cu", _W, "mg/L", "kg", "总铜"),
    ("w20123", "030", "zn", _W, "mg/L", "kg", "总锌"),
    ("w21001", "065", "tn", _W, "mg/L", "kg", "总氮"),
    ("w21003", "060", "nh3n", _W, "mg/L", "kg", "氨氮"),
    ("w21006", "063", "nitrite", _W, "mg/L", "kg", "亚硝酸盐"),
    ("w21007", "064", "nitrate", _W, "mg/L", "kg", "硝酸盐"),
    ("w21011", "101", "tp", _W, "mg/L", "kg", "总磷"),
    ("w21016", "070", "cyanide", _W, "mg/L", "kg", "氰化物"),
    ("w21017", "072", "fluoride", _W, "mg/L", "kg", "氟化物"),
    ("w21019", "071", "sulfide", _W, "mg/L", "kg", "硫化物"),
    ("w22001", "080", "petroleum", _W, "mg/L", "kg", "石油类"),
    ("w23002", "110", "volatile_phenol", _W, "mg/L", "kg", "挥发酚"),
    ("w99001", "061", "organic_nitrogen", _W, "mg/L", "kg", "有机氮"),
    # Flue gas (ST=31), HJ 212-2017 Table B.2
    ("a00000", "B02", "flow", _G, "m3/s", "m3", "废气流量"),
    ("a01010", "37", "ringelmann", _G, None, None, "林格曼黑度"),
    ("a01011", "S02", "velocity", _G, "m/s", None, "烟气流速"),
    ("a01012", "S03", "temperature", _G, "degC", None, "烟气温度"),
    ("a01013", "S08", "pressure", _G, "kPa", None, "烟气压力"),
    ("a01014", "S05", "humidity", _G, "%", None, "烟气湿度"),
    ("a01015", "S06", "cooler_temperature", _G, "degC", None, "制冷温度"),
    ("a01016", "S07", "duct_area", _G, "m2", None, "烟道截面积"),
    ("a01017", "S04", "dynamic_pressure", _G, "kPa", None, "烟气动压"),
    ("a01901", "", "furnace_temperature", _G, "degC", None, "垃圾焚烧炉膛内焚烧平均温度"),
    ("a01902", "", "furnace_dcs_temperature", _G, "degC", None, "垃圾焚烧炉膛内DCS温度"),
    ("a05001", "30", "co2", _G, "mg/m3", "kg", "二氧化碳"),
    ("a05002", "", "ch4", _G, "mg/m3", "kg", "甲烷"),
    ("a19001", "S01", "o2", _G, "%", None, "氧气含量"),
    ("a20025", "33", "cd", _G, "mg/m3", "kg", "镉及其化合物"),
    ("a20043", "32", "pb", _G, "mg/m3", "kg", "铅及其化合物"),
    ("a20057", "31", "hg", _G, "mg/m3", "kg", "汞及其化合物"),
    ("a21001", "10", "nh3", _G, "mg/m3", "kg", "氨"),
    ("a21002", "03", "nox", _G, "mg/m3", "kg", "氮氧化物"),
    ("a21003", "", "no", _G, "mg/m3", "kg", "一氧化氮"),
    ("a21004", "", "no2", _G, "mg/m3", "kg", "二氧化氮"),
    ("a21005", "04", "co", _G, "mg/m3", "kg", "一氧化碳"),
    ("a21017", "07", "cyanide", _G, "mg/m3", "kg", "氰化物"),
    ("a21018", "06", "fluoride", _G, "mg/m3", "kg", "氟化物"),
    ("a21022", "11", "cl2", _G, "mg/m3", "kg", "氯气"),
    ("a21024", "08", "hcl", _G, "mg/m3", "kg", "氯化氢"),
    ("a21026", "02", "so2", _G, "mg/m3", "kg", "二氧化硫"),
    ("a21028", "05", "h2s", _G, "mg/m3", "kg", "硫化氢"),
    ("a24087", "25", "hydrocarbons", _G, "mg/m3", "kg", "碳氢化合物"),
    ("a24088", "", "nmhc", _G, "mg/m3", "kg", "非甲烷总烃"),
    ("a25003", "17", "toluene", _G, "mg/m3", "kg", "甲苯"),
    ("a25005", "18", "xylene", _G, "mg/m3", "kg", "二甲苯"),
    ("a25044", "20", "benzo_a_pyrene", _G, "mg/m3", "kg", "苯并[a]芘"),
    ("a30022", "13", "mercaptans", _G, "mg/m3", "kg", "硫醇"),
    ("a31001", "19", "formaldehyde", _G, "mg/m3", "kg", "甲醛"),
    ("a34013", "01", "particulate", _G, "mg/m3", "kg", "烟尘（颗粒物）"),
    ("a34038", "09", "asphalt_fume", _G, "mg/m3", "kg", "沥青烟"),
    ("a34039", "14", "sulfuric_acid_mist", _G, "mg/m3", "kg", "硫酸雾"),
    ("a34040", "15", "chromic_acid_mist", _G, "mg/m3", "kg", "铬酸雾"),
    ("a99051", "12", "cs2", _G, "mg/m3", "kg", "二硫化碳"),
    # Ambient air and dust (ST=22, 39), HJ 212-2017 Table B.2
    ("a01001", "", "ambient_temperature", _A, "degC", None, "温度"),
    ("a01002", "", "ambient_humidity", _A, "%", None, "湿度"),
    ("a01006", "", "ambient_pressure", _A, "kPa", None, "气压"),
    ("a01007", "", "wind_speed", _A, "m/s", None, "风速"),
    ("a01008", "", "wind_direction", _A, "deg", None, "风向"),
    ("a05024", "", "o3", _A, "ug/m3", None, "臭氧"),
    ("a34001", "", "tsp", _A, "ug/m3", None, "总悬浮颗粒物"),
    ("a34002", "", "pm10", _A, "ug/m3", None, "可吸入颗粒物"),
    ("a34004", "", "pm2_5", _A, "ug/m3", None, "细颗粒物"),
    ("a34011", "", "dustfall", _A, None, None, "降尘"),
    # Noise (ST=23), HJ 212-2017 Table B.3
    ("LA", "", "noise_la", _N, "dB", None, "A声级"),
    ("L5", "", "noise_l5", _N, "dB", None, "L5"),
    ("L10", "", "noise_l10", _N, "dB", None, "L10"),
    ("L50", "", "noise_l50", _N, "dB", None, "L50"),
    ("L90", "", "noise_l90", _N, "dB", None, "L90"),
    ("L95", "", "noise_l95", _N, "dB", None, "L95"),
    ("Leq", "", "noise_leq", _N, "dB", None, "等效声级"),
    ("Ldn", "", "noise_ldn", _N, "dB", None, "昼夜等效声级"),
    ("Ld", "", "noise_ld", _N, "dB", None, "昼间等效声级"),
    ("Ln", "", "noise_ln", _N, "dB", None, "夜间等效声级"),
    ("LMx", "", "noise_lmax", _N, "dB", None, "最大声级"),
    ("LMn", "", "noise_lmin", _N, "dB", None, "最小声级"),
)


def _build() -> dict[str, PollutantCode]:
    table: dict[str, PollutantCode] = {}
    for code, old, name, medium, unit, cou_unit, zh in _ROWS:
        table[code] = PollutantCode(code, name, medium, unit, cou_unit, zh, code)
        if old:
            table[old] = PollutantCode(old, name, medium, unit, cou_unit, zh, code)
    return table


POLLUTANT_CODES: Mapping[str, PollutantCode] = MappingProxyType(_build())
"""HJ 212-2017 and HJ/T 212-2005 factor codes → :class:`PollutantCode` (HJ 212-2017 App. B)."""

# System codes (ST) whose medium is unambiguous (HJ 212-2017 Table 5).
SYSTEM_MEDIUM: Mapping[str, Medium] = MappingProxyType(
    {"31": _G, "51": _G, "32": _W, "52": _W, "21": _W, "22": _A, "23": _N}
)


def lookup_pollutant(code: str, system: str | None = None) -> PollutantCode | None:
    """The table row for a factor code, or None if unknown (the caller keeps the raw code).

    A 2005 code (``023``, ``01``) is only trusted when it fits the medium of the system code
    ``system`` (ST): vendors reuse short numeric codes, e.g. a flue-gas device (ST=31) in
    ``vectors.txt`` sends ``023`` which in 2005 meant total chromium in wastewater.

    Examples
    --------
    >>> lookup_pollutant("02").name, lookup_pollutant("a21026").unit
    ('so2', 'mg/m3')
    >>> lookup_pollutant("023", system="31") is None
    True
    """
    row = POLLUTANT_CODES.get(code)
    if row is None or system is None or row.code == row.code_2017:
        return row
    medium = SYSTEM_MEDIUM.get(system)
    if medium is None or medium is row.medium or (medium in _AIR and row.medium in _AIR):
        return row
    return None


_AIR = frozenset({Medium.GAS, Medium.AMBIENT})


class DataFlag(StrEnum):
    """Data flags, ``xxx-Flag`` (HJ 212-2017 Table 8; extensible, devices send others too)."""

    NORMAL = "N"
    STOPPED = "F"
    MAINTENANCE = "M"
    MANUAL = "S"
    FAULT = "D"
    CALIBRATION = "C"
    OVER_RANGE = "T"
    COMM_ERROR = "B"


@dataclass(frozen=True, slots=True)
class InfoCode:
    """One site-information code ``ixxxxx`` (HJ 212-2017 Table B.8)."""

    code: str
    name: str
    label_zh: str


INFO_CODES: Mapping[str, InfoCode] = MappingProxyType(
    {
        c: InfoCode(c, n, z)
        for c, n, z in (
            ("i11001", "instrument_log", "监测仪器日志"),
            ("i12001", "instrument_work_state", "监测仪器工作状态"),
            ("i12002", "instrument_comm_state", "监测仪器与数采仪通讯状态"),
            ("i12003", "instrument_alarm_state", "监测仪器报警状态"),
            ("i13001", "measuring_range", "测量量程"),
            ("i13002", "measuring_precision", "测量精度"),
            ("i13003", "measuring_interval", "测量间隔"),
            ("i13004", "digestion_temperature", "消解温度"),
            ("i13005", "digestion_time", "消解时长"),
            ("i13006", "calibration_time", "校准时间"),
            ("i13007", "intercept", "截距"),
            ("i13008", "slope", "斜率"),
            ("i13009", "detection_limit", "检出限"),
            ("i21001", "das_log", "数采仪日志"),
            ("i22001", "das_state", "数采仪状态"),
            ("i22003", "das_platform_comm_state", "数采仪与上位机通讯状态"),
            ("i22101", "das_channel_comm_state", "数采仪通道通讯状态"),
            ("i23001", "das_local_pressure", "数采仪所在地大气压"),
        )
    }
)
"""Site information codes of CN 3020/3021 (HJ 212-2017 Table B.8, partial)."""


class RunState(IntEnum):
    """``SBx-RS`` run state of a treatment facility (HJ 212-2017 Table 4, CN 2021)."""

    OFF = 0
    RUNNING = 1
    CALIBRATING = 2
    MAINTENANCE = 3
    ALARM = 4
    BLOWBACK = 5


class WorkState(IntEnum):
    """``i12001-Info`` instrument work state (HJ 212-2017 Table B.8)."""

    RUNNING = 0
    MAINTENANCE = 1
    FAULT = 2
    CALIBRATING = 3
    BLOWBACK = 5
    POWER_FAULT = 6
    MEASURING = 7
    STANDARDISING = 8
    STANDBY = 9
    OPERATION_AND_MAINTENANCE = 10
