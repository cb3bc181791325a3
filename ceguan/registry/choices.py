"""Named choices of the registry, with translated labels (glossary names as values)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市（州）")
    COUNTY = "county", _("县（区）")


class Industry(models.TextChoices):
    """Industries; the work plan's focus set is data in ``standards/workplan/focus_industries``."""

    STEEL = "steel", _("钢铁")
    THERMAL_POWER = "thermal_power", _("火电")
    NONFERROUS = "nonferrous", _("有色金属")
    PETROCHEMICAL = "petrochemical", _("石化")
    CEMENT = "cement", _("水泥")
    PAPER = "paper", _("造纸")
    WASTEWATER_TREATMENT = "wastewater_treatment", _("污水处理厂")
    WASTE_INCINERATION = "waste_incineration", _("生活垃圾焚烧发电")
    CHEMICAL = "chemical", _("化工")
    COKING = "coking", _("焦化")
    PHARMACEUTICAL = "pharmaceutical", _("制药")
    GLASS = "glass", _("玻璃")
    FOOD = "food", _("食品加工")
    OTHER = "other", _("其他")


class SupervisionCategory(models.TextChoices):
    NATIONAL_KEY = "national_key", _("国家重点监控")
    KEY_UNIT = "key_unit", _("重点排污单位名录")
    NON_KEY = "non_key", _("非重点")


class Medium(models.TextChoices):
    AIR = "air", _("废气")
    WATER = "water", _("废水")


class FacilityKind(models.TextChoices):
    """One installation (台套) on an outlet, sending through its data acquisition unit (MN).

    A water outlet's analyzers (COD, NH3-N, TP, TN, pH) and flow meter share one data
    acquisition unit and one MN in HJ 212, so they are one facility whose ``parameters`` list
    what it measures; a flow meter networked on its own is a facility of its own kind.
    """

    CEMS = "cems", _("烟气排放连续监测系统（CEMS）")
    WATER = "water_analyzers", _("水质自动监测设备")
    FLOW_METER = "flow_meter", _("流量计（单独联网）")


#: Facility kinds that measure air and those that measure water, for outlet consistency.
AIR_KINDS = frozenset({FacilityKind.CEMS})
WATER_KINDS = frozenset({FacilityKind.WATER, FacilityKind.FLOW_METER})

#: What a facility measures when its ``parameters`` are left blank (glossary names).
DEFAULT_PARAMETERS = {
    FacilityKind.CEMS: ("so2", "nox", "particulate", "o2", "flow", "temperature", "humidity"),
    FacilityKind.WATER: ("cod", "nh3n", "water_flow"),
    FacilityKind.FLOW_METER: ("water_flow",),
}


class OperationMode(models.TextChoices):
    THIRD_PARTY = "third_party", _("第三方运营")
    SELF = "self", _("自行运营")
    NONE = "none", _("未运营")


class PersonnelKind(models.TextChoices):
    OFFICER = "officer", _("执法人员")
    MONITOR = "monitor", _("监测人员")
