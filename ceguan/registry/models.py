"""The facility archive (基础信息档案): who discharges where, and what monitors it.

Regions → enterprises → outlets → facilities, with the operators, testing agencies and
personnel around them, and each city's designated contact (work plan 五（一）).
"""

from __future__ import annotations

import itertools
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.core.validators import credit_code_problem
from ceguan.registry import choices as c
from ceguan.registry.base import RegistryModel

OUTLET_CODE = re.compile(r"^D([AW])\d{3}$")
MN_PATTERN = re.compile(r"^[0-9A-Za-z]{1,24}$")


def related(instance: models.Model, name: str) -> models.Model | None:
    """The related object, or ``None`` when unset or when its id points nowhere.

    ``clean()`` runs even after ``clean_fields()`` rejected a foreign key, so cross-field rules
    must not assume the reference resolves.
    """
    try:
        return getattr(instance, name)
    except models.ObjectDoesNotExist:
        return None


def validate_year(value: int) -> None:
    if not 1949 <= value <= 2100:
        raise ValidationError(_("年份 %(value)s 不合理。"), params={"value": value})


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(_("统一社会信用代码无效：%(problem)s"), params={"problem": problem})


class Region(RegistryModel):
    """An administrative division with its GB/T 2260 code: the province, a city, a county."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    level = models.CharField(_("级别"), max_length=10, choices=c.RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    public_to_all = True
    province_edits_only = True

    class Meta:
        verbose_name = _("行政区")
        verbose_name_plural = pgettext_lazy("plural", "行政区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not re.fullmatch(r"\d{6}", self.code or ""):
            raise ValidationError({"code": _("行政区划代码为 6 位数字（GB/T 2260）。")})
        expected_parent = {"province": None, "city": "province", "county": "city"}.get(self.level)
        actual = related(self, "parent").level if related(self, "parent") else None
        if actual != expected_parent:
            raise ValidationError({"parent": _("上级行政区的级别不正确。")})

    @property
    def city(self) -> Region | None:
        return self.parent if self.level == c.RegionLevel.COUNTY else self


class Operator(RegistryModel):
    """第三方运营单位: a company running facilities under contract."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    entered_province_year = models.PositiveSmallIntegerField(
        _("进入本省年份"), validators=[validate_year]
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)

    public_to_staff = True
    province_edits_only = True

    class Meta:
        verbose_name = _("运营单位")
        verbose_name_plural = pgettext_lazy("plural", "运营单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TestingAgency(RegistryModel):
    """第三方检测机构, accredited with a CMA (检验检测机构资质认定) number."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    cma_number = models.CharField(_("CMA 资质认定证书编号"), max_length=40, unique=True)
    cma_valid_until = models.DateField(_("资质有效期至"), null=True, blank=True)
    city = models.ForeignKey(
        Region,
        verbose_name=_("所在市（州）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": c.RegionLevel.CITY},
        related_name="agencies",
    )

    public_to_staff = True
    city_path = "city"
    agency_path = "pk"

    class Meta:
        verbose_name = _("检测机构")
        verbose_name_plural = pgettext_lazy("plural", "检测机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enterprise(RegistryModel):
    """排污单位: a discharging unit, identified by its unified social credit code."""

    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    city = models.ForeignKey(
        Region,
        verbose_name=_("市（州）"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": c.RegionLevel.CITY},
        related_name="enterprises",
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("县（区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": c.RegionLevel.COUNTY},
        related_name="county_enterprises",
    )
    industry = models.CharField(_("行业"), max_length=30, choices=c.Industry.choices)
    supervision_category = models.CharField(
        _("监管类别"), max_length=20, choices=c.SupervisionCategory.choices
    )
    list_year = models.PositiveSmallIntegerField(
        _("名录年份"), null=True, blank=True, validators=[validate_year]
    )
    permit_number = models.CharField(_("排污许可证编号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=8, decimal_places=6, null=True, blank=True)

    city_path = "city"

    class Meta:
        verbose_name = _("排污单位")
        verbose_name_plural = pgettext_lazy("plural", "排污单位")
        ordering = ["city__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="enterprise_longitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="enterprise_latitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.credit_code = (self.credit_code or "").strip().upper()
        errors = {}
        county = related(self, "county")
        if county is not None and self.city_id and county.parent_id != self.city_id:
            errors["county"] = _("县（区）不属于所选市（州）。")
        if self.supervision_category != c.SupervisionCategory.NON_KEY and not self.list_year:
            errors["list_year"] = _("重点监控或名录单位须填写名录年份。")
        if errors:
            raise ValidationError(errors)


class Outlet(RegistryModel):
    """排放口: a stack or discharge point, coded as in the discharge permit (DA001, DW001)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="outlets"
    )
    code = models.CharField(_("排放口编号"), max_length=10)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    medium = models.CharField(_("类型"), max_length=10, choices=c.Medium.choices)

    city_path = "enterprise__city"

    class Meta:
        verbose_name = _("排放口")
        verbose_name_plural = pgettext_lazy("plural", "排放口")
        ordering = ["enterprise__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "code"], name="outlet_code_per_enterprise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.code}"

    def clean(self) -> None:
        match = OUTLET_CODE.match(self.code or "")
        if not match:
            raise ValidationError({"code": _("排放口编号应为 DA001 或 DW001 形式。")})
        expected = c.Medium.AIR if match.group(1) == "A" else c.Medium.WATER
        if self.medium and self.medium != expected:
            raise ValidationError({"medium": _("DA 为废气排放口，DW 为废水排放口。")})


class Facility(RegistryModel):
    """自动监控设施（台套）: one automatic monitoring installation on an outlet.

    Its data acquisition unit speaks HJ 212 under ``mn`` (unique in the province) with
    ``device_password``. A facility is installed, networked and accepted on the dates given;
    the states are those dates being set, so they cannot disagree.
    """

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("排放口"), on_delete=models.PROTECT, related_name="facilities"
    )
    kind = models.CharField(_("设施类型"), max_length=20, choices=c.FacilityKind.choices)
    mn = models.CharField(_("数采仪 MN 号"), max_length=24, null=True, blank=True, unique=True)
    device_password = models.CharField(_("设备密码"), max_length=20, blank=True)
    parameters = models.CharField(
        _("监测参数"),
        max_length=200,
        blank=True,
        help_text=_("以逗号分隔的监测因子，如 cod,nh3n,water_flow；留空则按设施类型默认。"),
    )
    manufacturer = models.CharField(_("生产厂家"), max_length=100, blank=True)
    model_name = models.CharField(_("型号"), max_length=100, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    networked_on = models.DateField(_("联网日期"), null=True, blank=True)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    operation_mode = models.CharField(_("运营方式"), max_length=20, choices=c.OperationMode.choices)
    operator = models.ForeignKey(
        Operator,
        verbose_name=_("运营单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
    )
    contract_start = models.DateField(_("运营合同开始"), null=True, blank=True)
    contract_end = models.DateField(_("运营合同结束"), null=True, blank=True)

    city_path = "outlet__enterprise__city"

    class Meta:
        verbose_name = _("自动监控设施")
        verbose_name_plural = pgettext_lazy("plural", "自动监控设施")
        ordering = ["outlet__enterprise__name", "outlet__code", "kind"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.get_kind_display()}"

    @property
    def is_installed(self) -> bool:
        return self.installed_on is not None

    @property
    def is_networked(self) -> bool:
        return self.networked_on is not None

    @property
    def is_accepted(self) -> bool:
        return self.accepted_on is not None

    audit_secret = frozenset({"device_password"})

    @property
    def parameter_list(self) -> tuple[str, ...]:
        """Glossary names of what this facility measures."""
        listed = tuple(p.strip() for p in self.parameters.split(",") if p.strip())
        return listed or c.DEFAULT_PARAMETERS.get(self.kind, ())

    def contract_expired(self, today: date) -> bool:
        return self.contract_end is not None and self.contract_end < today

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.mn and not MN_PATTERN.match(self.mn):
            errors["mn"] = _("MN 号只能由字母和数字组成，最长 24 位（HJ 212-2017 6.3.2）。")
        if self.networked_on and not self.mn:
            errors["mn"] = _("已联网设施必须填写数采仪 MN 号。")
        dates = [
            ("installed_on", self.installed_on),
            ("networked_on", self.networked_on),
            ("accepted_on", self.accepted_on),
        ]
        for (earlier_name, earlier), (later_name, later) in itertools.pairwise(dates):
            if later and not earlier:
                errors[earlier_name] = _("先有此日期，才能有后续日期。")
            elif later and earlier and later < earlier:
                errors[later_name] = _("日期早于前一环节（安装 → 联网 → 验收）。")
        mode = self.operation_mode
        if mode == c.OperationMode.THIRD_PARTY:
            if not self.operator_id:
                errors["operator"] = _("第三方运营须填写运营单位。")
            if not self.contract_start or not self.contract_end:
                errors["contract_end"] = _("第三方运营须填写合同起止日期。")
        elif self.operator_id:
            errors["operator"] = _("只有第三方运营才填写运营单位。")
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            errors["contract_end"] = _("合同结束日期早于开始日期。")
        outlet = related(self, "outlet")
        if outlet is not None and self.kind:
            medium = outlet.medium
            if (self.kind in c.AIR_KINDS and medium != c.Medium.AIR) or (
                self.kind in c.WATER_KINDS and medium != c.Medium.WATER
            ):
                errors["kind"] = _("设施类型与排放口类型（废气/废水）不符。")
        if errors:
            raise ValidationError(errors)


class Personnel(RegistryModel):
    """执法人员 or 监测人员, affiliated to a city's department or to a testing agency."""

    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("人员类别"), max_length=10, choices=c.PersonnelKind.choices)
    certificate_number = models.CharField(_("证件编号"), max_length=40, unique=True)
    certificate_valid_until = models.DateField(_("证件有效期至"), null=True, blank=True)
    city = models.ForeignKey(
        Region,
        verbose_name=_("所属市（州）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"level": c.RegionLevel.CITY},
        related_name="personnel",
    )
    agency = models.ForeignKey(
        TestingAgency,
        verbose_name=_("所属检测机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personnel",
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    city_path = "city"
    agency_path = "agency"

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = pgettext_lazy("plural", "人员")
        ordering = ["city__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(city__isnull=False, agency__isnull=True)
                | models.Q(city__isnull=True, agency__isnull=False),
                name="personnel_one_affiliation",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.city_id) == bool(self.agency_id):
            raise ValidationError(_("人员须属于一个市（州）或一个检测机构，且只能属于其一。"))
        city = related(self, "city")
        if city is not None and city.level != c.RegionLevel.CITY:
            raise ValidationError({"city": _("请选择市（州），不是县（区）或省。")})
        if self.kind == c.PersonnelKind.OFFICER:
            if self.agency_id:
                raise ValidationError({"agency": _("执法人员不能属于检测机构。")})
            if not self.certificate_valid_until:
                raise ValidationError({"certificate_valid_until": _("执法证须填写有效期。")})

    def certificate_valid_on(self, day: date) -> bool:
        return self.certificate_valid_until is None or self.certificate_valid_until >= day


class DesignatedContact(RegistryModel):
    """The person a city designates for this work, and when the name was reported (五（一）)."""

    city = models.ForeignKey(
        Region,
        verbose_name=_("市（州）"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": c.RegionLevel.CITY},
        related_name="contacts",
    )
    plan_year = models.PositiveSmallIntegerField(_("工作年度"), validators=[validate_year])
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40)
    reported_on = models.DateField(_("报送日期"))

    city_path = "city"

    class Meta:
        verbose_name = _("专人负责")
        verbose_name_plural = pgettext_lazy("plural", "专人负责")
        ordering = ["plan_year", "city__code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "plan_year"], name="one_contact_per_city_year")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.plan_year} {self.name}"
