"""调查摸底: the baseline survey of automatic monitoring facilities, per city and province.

Exactly the work plan's figures (甘环办发〔2018〕25号 五（二）): facilities (台套) by kind;
installed / networked / accepted; operated by a third party / by the enterprise / by nobody;
device fault rate and data anomaly rate; and the blind spots of daily supervision. The fault and
anomaly rates need telemetry: until it exists they are ``None`` ("no data yet"), never invented.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from ceguan.core.jurisdiction import scope_of
from ceguan.registry import choices as c
from ceguan.registry.models import Enterprise, Facility, Outlet, Region

KEY_CATEGORIES = (c.SupervisionCategory.NATIONAL_KEY, c.SupervisionCategory.KEY_UNIT)

#: Labels of the flat figures of :meth:`SurveyFigures.as_row`, in display order.
FIGURE_LABELS: dict[str, Any] = {
    "enterprises": _("排污单位数"),
    "facilities": _("设施台套数"),
    **{f"kind_{value}": label for value, label in c.FacilityKind.choices},
    "installed": _("已安装"),
    "networked": _("已联网"),
    "accepted": _("已验收"),
    **{f"mode_{value}": label for value, label in c.OperationMode.choices},
    "fault_rate": _("设备故障率"),
    "anomaly_rate": _("数据异常率"),
    "blind_key_units_without_networked_facility": _("重点单位无联网设施"),
    "blind_networked_not_accepted": _("已联网未验收"),
    "blind_without_operator": _("无人运营"),
    "blind_contract_expired": _("运营合同已过期"),
    "blind_outlets_without_facility": _("有排放口无监控设施的单位"),
}


@dataclass
class BlindSpots:
    """Records that show where daily supervision is blind; each list holds model instances."""

    key_units_without_networked_facility: list[Enterprise] = field(default_factory=list)
    networked_not_accepted: list[Facility] = field(default_factory=list)
    without_operator: list[Facility] = field(default_factory=list)
    contract_expired: list[Facility] = field(default_factory=list)
    outlets_without_facility: list[Enterprise] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.__dict__.items()}


@dataclass
class SurveyFigures:
    """The survey of one area (a city, or the province when ``city`` is ``None``)."""

    city: Region | None
    as_of: date
    enterprises: int = 0
    facilities: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    installed: int = 0
    networked: int = 0
    accepted: int = 0
    by_operation_mode: dict[str, int] = field(default_factory=dict)
    fault_rate: float | None = None
    anomaly_rate: float | None = None
    blind_spots: BlindSpots = field(default_factory=BlindSpots)

    @property
    def name(self) -> str:
        return str(self.city) if self.city else ""

    def as_row(self) -> dict[str, Any]:
        """Flat figures for tables, exports and the CLI."""
        row: dict[str, Any] = {
            "enterprises": self.enterprises,
            "facilities": self.facilities,
            "installed": self.installed,
            "networked": self.networked,
            "accepted": self.accepted,
        }
        row.update({f"kind_{kind}": self.by_kind.get(kind, 0) for kind in c.FacilityKind.values})
        row.update({f"mode_{m}": self.by_operation_mode.get(m, 0) for m in c.OperationMode.values})
        row["fault_rate"] = self.fault_rate
        row["anomaly_rate"] = self.anomaly_rate
        row.update({f"blind_{k}": v for k, v in self.blind_spots.counts().items()})
        return {key: row[key] for key in FIGURE_LABELS}  # the order of the table's headers


def survey_area(
    enterprises: QuerySet[Enterprise], city: Region | None, as_of: date
) -> SurveyFigures:
    """Compute the survey over ``enterprises`` (already scoped to the user and area)."""
    facilities = Facility.objects.filter(outlet__enterprise__in=enterprises).select_related(
        "outlet__enterprise", "operator"
    )
    rows = list(facilities)
    figures = SurveyFigures(city=city, as_of=as_of)
    figures.enterprises = enterprises.count()
    figures.facilities = len(rows)
    figures.by_kind = dict(Counter(f.kind for f in rows))
    figures.installed = sum(f.is_installed for f in rows)
    figures.networked = sum(f.is_networked for f in rows)
    figures.accepted = sum(f.is_accepted for f in rows)
    figures.by_operation_mode = dict(Counter(f.operation_mode for f in rows))
    # Local imports: telemetry depends on the registry, not the other way round.
    from datetime import timedelta

    from ceguan.telemetry.aggregates import area_fault_rate

    # The last 30 Beijing days ending at as_of; None = no data yet, never 0.
    rate = area_fault_rate([f.pk for f in rows], as_of - timedelta(days=29), as_of)
    figures.fault_rate = None if rate is None else round(100 * rate, 1)
    from ceguan.screening.alarms import area_anomaly_rate

    # Facility-hours under open or upheld anomaly alarms, same window; None = no telemetry.
    anomaly = area_anomaly_rate([f.pk for f in rows], as_of - timedelta(days=29), as_of)
    figures.anomaly_rate = None if anomaly is None else round(100 * anomaly, 1)
    spots = figures.blind_spots
    spots.networked_not_accepted = [f for f in rows if f.is_networked and not f.is_accepted]
    spots.without_operator = [f for f in rows if f.operation_mode == c.OperationMode.NONE]
    spots.contract_expired = [
        f
        for f in rows
        if f.operation_mode == c.OperationMode.THIRD_PARTY and f.contract_expired(as_of)
    ]
    networked = Facility.objects.filter(
        outlet__enterprise=OuterRef("pk"), networked_on__isnull=False
    )
    spots.key_units_without_networked_facility = list(
        enterprises.filter(supervision_category__in=KEY_CATEGORIES)
        .exclude(Exists(networked))
        .select_related("city")
    )
    bare_outlet = Outlet.objects.filter(enterprise=OuterRef("pk"), facilities__isnull=True)
    spots.outlets_without_facility = list(
        enterprises.filter(Exists(bare_outlet)).select_related("city")
    )
    return figures


def survey(user: Any, as_of: date) -> tuple[SurveyFigures, list[SurveyFigures]]:
    """The province (or the user's jurisdiction) in total, and one survey per visible city."""
    visible = Enterprise.objects.visible_to(user)
    scope = scope_of(user)
    cities = Region.objects.filter(level=c.RegionLevel.CITY)
    if not scope.everything:
        cities = cities.filter(pk__in=scope.city_ids)
    total = survey_area(visible, None, as_of)
    per_city = [survey_area(visible.filter(city=city), city, as_of) for city in cities]
    return total, per_city


def display_value(value: Any) -> Any:
    """Rates without data read "no data yet", never 0."""
    return gettext("暂无数据") if value is None else value


def survey_workbook(total: SurveyFigures, per_city: list[SurveyFigures]) -> bytes:
    """The survey as ``.xlsx``: one row per city and a province total, Chinese headers."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(gettext("调查摸底"))
    sheet.append([str(gettext("市（州）")), *[str(label) for label in FIGURE_LABELS.values()]])
    for figures in per_city:
        sheet.append([figures.name, *[display_value(v) for v in figures.as_row().values()]])
    sheet.append([str(gettext("合计")), *[display_value(v) for v in total.as_row().values()]])
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
