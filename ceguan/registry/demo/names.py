"""Word lists and small pure generators for the demo province (:mod:`ceguan.registry.demo`).

Nothing here touches the database: every function takes a :class:`random.Random` (or only dates)
and returns text, numbers or dates, so the same generator state always gives the same value.
Manufacturer, operator and agency names are made up; place names are Gansu's real cities and
counties. Which industries are the work plan's focus is not kept here: it is the rule book's
``workplan/focus_industries.yaml``.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from ceguan.core.validators import CREDIT_CODE_ALPHABET, make_credit_code

#: GB/T 2260 codes of the province and of the two cities that get demo accounts.
PROVINCE = "620000"
LANZHOU = "620100"
TIANSHUI = "620500"

#: Per city (GB/T 2260 code): relative industrial size, seat coordinates (lon, lat) and spread.
CITY_PROFILES: dict[str, tuple[float, float, float, float]] = {
    "620100": (18.0, 103.83, 36.06, 0.30),  # 兰州
    "620171": (5.0, 103.67, 36.50, 0.15),  # 兰州新区
    "620200": (5.0, 98.29, 39.77, 0.12),  # 嘉峪关
    "620300": (5.5, 102.19, 38.52, 0.25),  # 金昌
    "620400": (8.0, 104.14, 36.55, 0.40),  # 白银
    "620500": (6.0, 105.72, 34.58, 0.40),  # 天水
    "620600": (5.0, 102.64, 37.93, 0.45),  # 武威
    "620700": (5.0, 100.45, 38.93, 0.50),  # 张掖
    "620800": (6.5, 106.67, 35.54, 0.40),  # 平凉
    "620900": (7.0, 98.49, 39.73, 0.80),  # 酒泉
    "621000": (7.0, 107.64, 35.71, 0.50),  # 庆阳
    "621100": (4.0, 104.63, 35.58, 0.40),  # 定西
    "621200": (4.0, 104.92, 33.40, 0.45),  # 陇南
    "622900": (3.0, 103.21, 35.60, 0.25),  # 临夏
    "623000": (2.0, 102.91, 34.98, 0.50),  # 甘南
}
DEFAULT_PROFILE = (3.0, 103.83, 36.06, 0.50)

#: Gansu's bounding box, which every generated coordinate stays inside.
LON_RANGE = (92.5, 107.9)
LAT_RANGE = (32.6, 42.7)

#: Province-wide relative weight of each industry before the city's own emphasis.
INDUSTRY_WEIGHTS: dict[str, float] = {
    "steel": 0.6,
    "thermal_power": 10,
    "nonferrous": 4,
    "petrochemical": 2.5,
    "cement": 8,
    "paper": 2,
    "wastewater_treatment": 17,
    "waste_incineration": 2.5,
    "chemical": 9,
    "coking": 2.5,
    "pharmaceutical": 5,
    "glass": 2,
    "food": 12,
    "other": 16,
}

#: Multipliers that give each city its industrial character (Jiuquan Iron & Steel in
#: Jiayuguan, Jinchuan nickel in Jinchang, Baiyin nonferrous, Lanzhou and Qingyang oil, …).
CITY_INDUSTRY_EMPHASIS: dict[str, dict[str, float]] = {
    "620100": {
        "petrochemical": 4,
        "thermal_power": 1.5,
        "pharmaceutical": 2,
        "chemical": 1.5,
        "steel": 2,
    },
    "620171": {"chemical": 4, "pharmaceutical": 2.5, "wastewater_treatment": 0.4},
    "620200": {"steel": 40, "thermal_power": 1.5, "coking": 3, "wastewater_treatment": 0.3},
    "620300": {"nonferrous": 18, "chemical": 2, "wastewater_treatment": 0.5},
    "620400": {"nonferrous": 8, "thermal_power": 1.5, "chemical": 2},
    "620500": {"food": 1.5, "pharmaceutical": 1.5, "steel": 0},
    "620600": {"food": 1.5, "cement": 1.5, "steel": 0},
    "620700": {"food": 1.5, "thermal_power": 1.2, "steel": 0},
    "620800": {"thermal_power": 2.5, "cement": 2, "coking": 2, "steel": 0},
    "620900": {"thermal_power": 1.5, "petrochemical": 2.5, "chemical": 1.5, "steel": 3},
    "621000": {"petrochemical": 6, "thermal_power": 1.5, "steel": 0},
    "621100": {"food": 2, "pharmaceutical": 2, "steel": 0},
    "621200": {"nonferrous": 4, "cement": 1.5, "steel": 0, "petrochemical": 0},
    "622900": {"food": 2, "steel": 0, "petrochemical": 0},
    "623000": {"food": 1.5, "steel": 0, "petrochemical": 0, "coking": 0, "nonferrous": 0.5},
}

#: Shares of national key / key unit / non-key, by kind of industry ("focus": the rule book's
#: ``workplan.focus_industries`` other than wastewater treatment).
CATEGORY_SHARES: dict[str, tuple[float, float, float]] = {
    "focus": (0.28, 0.45, 0.27),
    "wastewater_treatment": (0.35, 0.55, 0.10),
    "other": (0.06, 0.34, 0.60),
}

#: Name endings per industry (the part after place and trade name).
NAME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "steel": ("钢铁有限责任公司", "钢铁集团有限公司", "特钢有限公司", "铸钢有限公司"),
    "thermal_power": ("热电有限公司", "发电有限责任公司", "热电联产有限公司", "能源发电有限公司"),
    "nonferrous": (
        "冶炼有限责任公司",
        "有色金属有限公司",
        "铜业有限公司",
        "锌业有限责任公司",
        "铝业有限公司",
        "镍钴新材料有限公司",
    ),
    "petrochemical": ("石化有限公司", "炼化有限责任公司", "石油化工有限公司"),
    "cement": ("水泥有限责任公司", "水泥有限公司", "建材水泥有限公司"),
    "paper": ("纸业有限公司", "造纸有限责任公司"),
    "waste_incineration": ("环保能源有限公司", "生活垃圾焚烧发电有限公司", "再生能源有限公司"),
    "chemical": ("化工有限公司", "化学工业有限责任公司", "精细化工有限公司", "氯碱化工有限公司"),
    "coking": ("焦化有限责任公司", "煤化工有限公司"),
    "pharmaceutical": ("制药有限公司", "药业有限责任公司", "生物制药有限公司"),
    "glass": ("玻璃有限公司", "光伏玻璃有限公司"),
    "food": (
        "食品有限公司",
        "乳业有限公司",
        "淀粉有限责任公司",
        "啤酒有限公司",
        "马铃薯食品有限公司",
        "果蔬食品有限公司",
    ),
    "other": (
        "建材有限公司",
        "皮革有限公司",
        "新材料有限公司",
        "矿业有限公司",
        "机械制造有限公司",
        "肉类加工有限公司",
    ),
}

#: Two-character trade names (字号), all invented.
TRADE_NAMES = (
    "金城", "陇原", "祁连", "丝路", "河西", "黄河", "昆仑", "鸣沙", "宏达", "瑞丰", "鑫源",
    "恒昌", "永兴", "泰和", "华晨", "中天", "国泰", "新荣", "润泽", "广源", "宝丰", "天成",
    "金石", "盛达", "嘉诚", "长宁", "西部", "东方", "北方", "鸿运", "鼎盛", "兴隆", "聚源",
    "元亨", "华源", "金泰", "银河", "晶安", "正阳", "德隆", "安泰", "利民", "惠丰", "众鑫",
    "宏远", "海红", "富源", "荣华", "三和", "万通", "祥云", "瑞源", "通达", "远大", "昌盛",
    "天祥", "金鼎", "陇海", "崆峒", "伏羲", "麦积", "雪峰", "大通", "明珠", "春晖", "光明",
    "新源", "博远", "汇丰", "兆丰", "华亿", "金穗", "百合", "洮河", "渭源", "白龙", "玉泉",
    "驼铃", "戈壁", "阳关", "祥和", "弘业", "同心", "立信", "恒达", "耀华", "星辰", "鑫盛",
)  # fmt: skip

ROADS = (
    "建设路", "人民路", "解放路", "新华路", "团结路", "滨河路", "北环路", "南山路", "长江路",
    "黄河路", "迎宾路", "化工路", "冶金路", "电厂路", "工业大道", "创业大道", "经济开发区纬一路",
    "工业园区经二路", "循环经济产业园纬三路", "高新技术产业园区兴业路",
)  # fmt: skip

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "马", "马",
    "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
    "邓", "曹", "彭", "曾", "田", "董", "袁", "潘", "蒋", "蔡", "杜", "程", "苏", "魏", "吕",
    "丁", "任", "姚", "卢", "姜", "崔", "汪", "范", "金", "石", "贾", "付", "方", "白", "孟",
    "秦", "尹", "薛", "闫", "段", "雷", "侯", "史", "陶", "贺", "毛", "郝", "祁", "包", "安",
)  # fmt: skip

GIVEN_CHARS = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
    "超", "霞", "平", "刚", "桂", "文", "华", "建", "国", "红", "玉", "兰", "英", "海", "斌",
    "鹏", "辉", "晶", "婷", "雪", "琳", "宁", "峰", "波", "鑫", "瑞", "博", "浩", "宇", "轩",
    "晨", "欣", "璐", "昊", "泽", "佳", "振", "春", "秀", "德", "福", "荣", "永", "世", "忠",
)  # fmt: skip

MOBILE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "153", "158", "159", "177", "180", "181",
    "186", "187", "189", "191", "199",
)  # fmt: skip

#: Outlet names per industry: (air names, water names, air count range, water count range).
OutletSpec = tuple[tuple[str, ...], tuple[str, ...], tuple[int, int], tuple[int, int]]
OUTLET_SPECS: dict[str, OutletSpec] = {
    "steel": (
        (
            "烧结机机头排放口",
            "烧结机机尾排放口",
            "球团焙烧排放口",
            "高炉出铁场排放口",
            "转炉二次烟气排放口",
            "自备电厂锅炉排放口",
        ),
        ("废水总排放口",),
        (2, 5),
        (0, 1),
    ),
    "thermal_power": (
        ("1号机组烟囱", "2号机组烟囱", "3号机组烟囱", "4号机组烟囱"),
        ("脱硫废水排放口",),
        (1, 3),
        (0, 1),
    ),
    "nonferrous": (
        (
            "熔炼烟气制酸尾气排放口",
            "阳极炉排放口",
            "电解车间排放口",
            "环境集烟排放口",
            "焙烧炉排放口",
        ),
        ("废水总排放口",),
        (1, 4),
        (0, 1),
    ),
    "petrochemical": (
        ("催化裂化再生烟气排放口", "加热炉排放口", "硫磺回收尾气排放口", "动力站锅炉排放口"),
        ("污水处理场总排口",),
        (2, 4),
        (1, 1),
    ),
    "cement": (("窑尾排放口", "窑头排放口", "2号线窑尾排放口"), (), (1, 3), (0, 0)),
    "paper": (("锅炉排放口",), ("废水总排放口",), (0, 1), (1, 1)),
    "wastewater_treatment": ((), ("出水总排口", "二期出水口"), (0, 0), (1, 2)),
    "waste_incineration": (
        ("1号焚烧炉排放口", "2号焚烧炉排放口", "3号焚烧炉排放口"),
        (),
        (1, 3),
        (0, 0),
    ),
    "chemical": (
        ("工艺废气排放口", "导热油炉排放口", "锅炉排放口"),
        ("废水总排放口",),
        (1, 3),
        (0, 1),
    ),
    "coking": (
        ("焦炉烟囱排放口", "装煤地面站排放口", "推焦地面站排放口"),
        ("废水总排放口",),
        (1, 3),
        (0, 1),
    ),
    "pharmaceutical": (("发酵尾气排放口", "锅炉排放口"), ("废水总排放口",), (0, 1), (1, 1)),
    "glass": (("1号熔窑排放口", "2号熔窑排放口"), (), (1, 2), (0, 0)),
    "food": (("锅炉排放口",), ("废水总排放口",), (0, 1), (1, 1)),
    "other": (("锅炉排放口", "工艺废气排放口"), ("废水总排放口",), (0, 1), (0, 1)),
}

#: Invented manufacturers and model names per facility kind.
DEVICES: dict[str, tuple[tuple[str, str], ...]] = {
    "cems": (
        ("杭州澄光环境仪器有限公司", "CG-CEMS-2000"),
        ("西安秦川分析仪器有限公司", "QC-900"),
        ("天津渤瑞环保设备有限公司", "BR-3000F"),
        ("兰州陇仪科技有限公司", "LY-CEMS-08"),
    ),
    "water_analyzers": (
        ("南京江禾仪表有限公司", "JH-W-100 水质自动监测系统"),
        ("杭州澄光环境仪器有限公司", "CG-WQ-2 水质在线监测站"),
        ("成都蜀测科技有限公司", "SC-W-9 水质自动分析仪组"),
    ),
    "flow_meter": (
        ("开封汴水流量仪表有限公司", "BS-UL-300 超声波明渠流量计"),
        ("上海申流仪表有限公司", "SL-EM 电磁流量计"),
    ),
}

#: Operators: (name template with {t} for a trade name, division code, phone area code).
OPERATOR_HOMES: tuple[tuple[str, str, str], ...] = (
    ("甘肃{t}环境科技有限公司", "620100", "0931"),
    ("兰州{t}环保工程有限公司", "620102", "0931"),
    ("甘肃{t}环境监测技术有限公司", "620104", "0931"),
    ("甘肃{t}环保设备运营有限公司", "620103", "0931"),
    ("白银{t}环境工程有限公司", "620400", "0943"),
    ("天水{t}环保科技有限公司", "620500", "0938"),
    ("酒泉{t}环境技术服务有限公司", "620900", "0937"),
    ("北京{t}环境技术有限公司", "110108", "010"),
    ("陕西{t}环保科技有限公司", "610131", "029"),
    ("四川{t}环境工程有限公司", "510107", "028"),
    ("宁夏{t}环境科技有限公司", "640104", "0951"),
    ("河南{t}环保运维有限公司", "410105", "0371"),
)

#: Testing agencies: (name template, city code).
AGENCY_HOMES: tuple[tuple[str, str], ...] = (
    ("甘肃{t}检测技术有限公司", "620100"),
    ("兰州{t}环境检测有限公司", "620100"),
    ("甘肃{t}环境监测科技有限公司", "620100"),
    ("天水{t}环境检测有限公司", "620500"),
    ("白银{t}检测科技有限公司", "620400"),
    ("酒泉{t}环境监测有限公司", "620900"),
    ("庆阳{t}检测技术有限公司", "621000"),
    ("张掖{t}环境检测有限公司", "620700"),
)

#: Telephone area codes of the cities, for landlines.
AREA_CODES: dict[str, str] = {
    "620100": "0931", "620171": "0931", "620200": "0937", "620300": "0935", "620400": "0943",
    "620500": "0938", "620600": "0935", "620700": "0936", "620800": "0933", "620900": "0937",
    "621000": "0934", "621100": "0932", "621200": "0939", "622900": "0930", "623000": "0941",
}  # fmt: skip

CONTACT_POSITIONS = (
    "生态环境局执法支队副支队长",
    "生态环境局监测站站长",
    "生态环境局科长",
    "生态环境局副科长",
    "生态环境监测中心副主任",
)

_AUTONOMOUS = re.compile(r"^(.*?)((?:回|藏|裕固|蒙古|哈萨克|保安|东乡|撒拉)族)+自治[县州]$")


def _place_of_autonomous(name: str) -> str | None:
    """``临夏回族自治州`` → ``临夏``, ``东乡族自治县`` → ``东乡``; ``None`` if not autonomous."""
    match = _AUTONOMOUS.match(name)
    if match is None:
        return None
    return match.group(1) or name[: name.index("族")]


def city_short(name: str) -> str:
    """``兰州市`` → ``兰州``, ``临夏回族自治州`` → ``临夏``; ``兰州新区`` stays."""
    return _place_of_autonomous(name) or name.removesuffix("市")


def county_short(name: str) -> str:
    """``永登县`` → ``永登``, ``肃北蒙古族自治县`` → ``肃北``; one-character names keep ``县``."""
    autonomous = _place_of_autonomous(name)
    if autonomous:
        return autonomous
    short = re.sub(r"(县|区|市)$", "", name)
    return short if len(short) >= 2 else name


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2, 2))))
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random, area_code: str) -> str:
    return f"{area_code}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"


def credit_code(rng: random.Random, division: str, prefix: str = "91") -> str:
    """A valid unified social credit code: ``prefix`` + division code + body + check character.

    ``prefix`` is the registration authority and category (``91`` an enterprise registered with
    market regulation, ``12`` a public institution). The body is ``MA`` + 7 characters, the form
    issued since 2015, or nine digits as in codes converted from old organisation codes.
    """
    if rng.random() < 0.7:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(7))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(9))
    return make_credit_code(f"{prefix}{division}{body}")


def lon_lat(rng: random.Random, code: str) -> tuple[float, float]:
    """A point near the city seat, inside Gansu's bounding box."""
    _, lon, lat, spread = CITY_PROFILES.get(code, DEFAULT_PROFILE)
    lon = min(max(lon + rng.uniform(-spread, spread), LON_RANGE[0]), LON_RANGE[1])
    lat = min(max(lat + rng.uniform(-spread * 0.7, spread * 0.7), LAT_RANGE[0]), LAT_RANGE[1])
    return lon, lat


def days_before(day: date, rng: random.Random, low: int, high: int) -> date:
    return day - timedelta(days=rng.randint(low, high))


def days_after(day: date, rng: random.Random, low: int, high: int) -> date:
    return day + timedelta(days=rng.randint(low, high))


def years_later(day: date, years: int) -> date:
    """``day`` moved by whole ``years`` (back when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
