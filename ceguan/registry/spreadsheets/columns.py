"""One declarative column list per importable resource: Chinese header, field, parser, required.

The same declaration drives the import template, the importer and the export, so an exported
workbook imports back unchanged. Headers are fixed Chinese text (the file format), not UI
strings: a workbook filled in under the English UI imports the same way.

Natural keys (what makes a re-import update instead of duplicate): enterprise, operator and
agency by credit code; outlet by enterprise + outlet code; facility by MN, or by outlet + kind
when it has none; personnel by certificate number; designated contact by city + year.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ceguan.registry import choices as c
from ceguan.registry import models as m
from ceguan.registry.spreadsheets import cells
from ceguan.registry.spreadsheets.cells import CellError, MissingDependency, RowContext
from ceguan.registry.spreadsheets.spec import (
    Column,
    ResourceSpec,
    choice,
    date,
    reference,
    region,
    shown,
    text,
    value,
)
from ceguan.registry.spreadsheets.spec import get as _get


def _outlet(raw: Any, ctx: RowContext) -> m.Outlet:
    enterprise = ctx.values.get("enterprise")
    if enterprise is None:
        raise MissingDependency
    outlet = m.Outlet.objects.filter(enterprise=enterprise, code=cells.code(raw, ctx)).first()
    if outlet is None:
        raise CellError(_("未知的排放口：该排污单位没有此编号的排放口"))
    return outlet


def _find_facility(values: dict[str, Any], ctx: RowContext) -> m.Facility | None:
    """The facility with the row's MN, else the outlet's only facility of that kind without MN.

    An MN already used on another outlet is a duplicate, not a move: moving a data acquisition
    unit between outlets is done deliberately in the UI.
    """
    mn, outlet, kind = values.get("mn"), values.get("outlet"), values.get("kind")
    if mn:
        existing = m.Facility.objects.filter(mn=mn).first()
        if existing is not None:
            if outlet is not None and existing.outlet_id != outlet.pk:
                visible = m.Facility.objects.visible_to(ctx.user).filter(pk=existing.pk).exists()
                where = str(existing) if visible else _("辖区外的设施")
                raise CellError(_("MN 号已被 %(where)s 使用") % {"where": where}, "mn")
            return existing
    if outlet is None or not kind:
        return None
    same = list(m.Facility.objects.filter(outlet=outlet, kind=kind, mn__isnull=True)[:2])
    if len(same) > 1:
        raise CellError(_("该排放口有多台同类设施未填 MN 号，无法确定更新哪一台"), "mn")
    return same[0] if same else None


def _facility_key(values: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
    if values.get("mn"):
        return "mn", (values["mn"],)
    if values.get("outlet") is None or not values.get("kind"):
        return None
    return "outlet", (values["outlet"].pk, values["kind"])


ENTERPRISE_REF = "排污单位统一社会信用代码"
CODE_HINT = "18 位，按 GB 32100-2015 校验"
UNKNOWN_ENTERPRISE = gettext_lazy("未知的排污单位（或不在您的辖区内）")

SPECS: dict[str, ResourceSpec] = {
    spec.slug: spec
    for spec in (
        ResourceSpec(
            "enterprises",
            m.Enterprise,
            (
                text("单位名称", "name", required=True),
                text(
                    "统一社会信用代码",
                    "credit_code",
                    required=True,
                    parse=cells.code,
                    hint=CODE_HINT,
                ),
                region("市（州）", "city", cells.city, required=True),
                region("县（区）", "county", cells.county),
                choice("行业", "industry", c.Industry),
                choice("监管类别", "supervision_category", c.SupervisionCategory),
                value("名录年份", "list_year", cells.integer, "如 2024"),
                text("排污许可证编号", "permit_number"),
                text("地址", "address"),
                value("经度", "longitude", cells.decimal(6), "十进制度，如 103.834170"),
                value("纬度", "latitude", cells.decimal(6), "十进制度，如 36.061089"),
            ),
            key=("credit_code",),
            key_hint="按“统一社会信用代码”匹配：已有的排污单位会被更新，其余新增。",
            select_related=("city", "county"),
        ),
        ResourceSpec(
            "outlets",
            m.Outlet,
            (
                reference(
                    ENTERPRISE_REF,
                    "enterprise",
                    m.Enterprise,
                    UNKNOWN_ENTERPRISE,
                    "enterprise.credit_code",
                    field="enterprise",
                    required=True,
                    editable=True,
                ),
                shown("排污单位名称", "enterprise.name"),
                text(
                    "排放口编号",
                    "code",
                    required=True,
                    parse=cells.code,
                    hint="如 DA001（废气）、DW001（废水）",
                ),
                text("名称", "name"),
                choice("排放口类型", "medium", c.Medium),
            ),
            key=("enterprise", "code"),
            key_hint="按“排污单位统一社会信用代码 + 排放口编号”匹配。",
            select_related=("enterprise",),
        ),
        ResourceSpec(
            "facilities",
            m.Facility,
            (
                reference(
                    ENTERPRISE_REF,
                    "enterprise",
                    m.Enterprise,
                    UNKNOWN_ENTERPRISE,
                    "outlet.enterprise.credit_code",
                    required=True,
                    editable=True,
                ),
                shown("排污单位名称", "outlet.enterprise.name"),
                Column(
                    "排放口编号",
                    "outlet",
                    _outlet,
                    _get("outlet.code"),
                    "outlet",
                    required=True,
                    hint="该排污单位已有的排放口编号，如 DA001",
                    is_text=True,
                ),
                choice("设施类型", "kind", c.FacilityKind),
                text(
                    "数采仪 MN 号",
                    "mn",
                    parse=cells.optional_code,
                    hint="字母和数字，最长 24 位；已联网设施必填",
                ),
                Column(
                    "设备密码",
                    "device_password",
                    cells.text,
                    None,  # never exported
                    "device_password",
                    hint="导出时不包含；文件中没有此列时保留原密码",
                    is_text=True,
                ),
                text("生产厂家", "manufacturer"),
                text("型号", "model_name"),
                date("安装日期", "installed_on"),
                date("联网日期", "networked_on"),
                date("验收日期", "accepted_on"),
                choice("运营方式", "operation_mode", c.OperationMode),
                reference(
                    "运营单位统一社会信用代码",
                    "operator",
                    m.Operator,
                    gettext_lazy("未知的运营单位"),
                    "operator.credit_code",
                    field="operator",
                ),
                date("运营合同开始", "contract_start"),
                date("运营合同结束", "contract_end"),
            ),
            key=("outlet", "kind"),
            key_hint="按“数采仪 MN 号”匹配；未填 MN 的设施按“排放口 + 设施类型”匹配。",
            select_related=("outlet__enterprise", "operator"),
            custom_key=_facility_key,
            custom_find=_find_facility,
        ),
        ResourceSpec(
            "operators",
            m.Operator,
            (
                text("名称", "name", required=True),
                text(
                    "统一社会信用代码",
                    "credit_code",
                    required=True,
                    parse=cells.code,
                    hint=CODE_HINT,
                ),
                value(
                    "进入本省年份", "entered_province_year", cells.integer, "如 2021", required=True
                ),
                text("联系电话", "phone"),
            ),
            key=("credit_code",),
            key_hint="按“统一社会信用代码”匹配。",
        ),
        ResourceSpec(
            "agencies",
            m.TestingAgency,
            (
                text("名称", "name", required=True),
                text(
                    "统一社会信用代码",
                    "credit_code",
                    required=True,
                    parse=cells.code,
                    hint=CODE_HINT,
                ),
                text("CMA 资质认定证书编号", "cma_number", required=True),
                date("资质有效期至", "cma_valid_until"),
                region("所在市（州）", "city", cells.city),
            ),
            key=("credit_code",),
            key_hint="按“统一社会信用代码”匹配。",
            select_related=("city",),
        ),
        ResourceSpec(
            "personnel",
            m.Personnel,
            (
                text("姓名", "name", required=True),
                choice("人员类别", "kind", c.PersonnelKind),
                text("证件编号", "certificate_number", required=True),
                date("证件有效期至", "certificate_valid_until"),
                region("所属市（州）", "city", cells.city),
                reference(
                    "所属检测机构统一社会信用代码",
                    "agency",
                    m.TestingAgency,
                    gettext_lazy("未知的检测机构"),
                    "agency.credit_code",
                    field="agency",
                ),
                text("联系电话", "phone"),
                Column(
                    "在岗",
                    "active",
                    cells.boolean,
                    lambda p: "是" if p.active else "否",
                    "active",
                    hint="是 / 否",
                ),
            ),
            key=("certificate_number",),
            key_hint="按“证件编号”匹配。",
            select_related=("city", "agency"),
        ),
        ResourceSpec(
            "contacts",
            m.DesignatedContact,
            (
                region("市（州）", "city", cells.city, required=True),
                value("工作年度", "plan_year", cells.integer, "如 2024", required=True),
                text("姓名", "name", required=True),
                text("职务", "position"),
                text("联系电话", "phone", required=True),
                date("报送日期", "reported_on", required=True),
            ),
            key=("city", "plan_year"),
            key_hint="按“市（州）+ 工作年度”匹配。",
            select_related=("city",),
        ),
    )
}


def spec_for(resource: str) -> ResourceSpec:
    """The spec of ``resource`` (a slug such as ``enterprises``); ``KeyError`` when unknown."""
    return SPECS[resource]
