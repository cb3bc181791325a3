"""Quarterly plans (季度计划), the sealed secret, the frozen population and risk-score history.

A plan moves draft → committed → frozen → drawn → assigned only through
:mod:`ceguan.targeting.ceremony`; each step stamps who and when. The secret behind the
commitment lives in :class:`PlanSecret`, a table no user-serving query reaches (it has no
``visible_to``), until the draw copies it into ``QuarterlyPlan.revealed_secret``.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.core.choices import TEAM_ROLES
from ceguan.core.jurisdiction import scope_of
from ceguan.registry.base import ScopedQuerySet
from ceguan.registry.models import Facility, Region
from ceguan.targeting.choices import PlanState, WayOfWorking


class PlanQuerySet(models.QuerySet):
    """A city's staff see and run its own plans; province roles see all, province editors run all.
    Officers and monitors see their tasks (``Task.objects.visible_to``), not plans."""

    def visible_to(self, user: Any) -> Self:
        scope = scope_of(user)
        if scope.everything:
            return self
        if not scope.city_ids or scope.agency_id is not None or user.role in TEAM_ROLES:
            return self.none()
        return self.filter(region_id__in=scope.city_ids)

    def editable_by(self, user: Any) -> Self:
        scope = scope_of(user)
        if not scope.can_edit:
            return self.none()
        return self if scope.everything else self.filter(region_id__in=scope.city_ids)


class ViaPlanQuerySet(models.QuerySet):
    """Rows of a plan (its population): seen and changed by whoever sees and runs the plan."""

    def visible_to(self, user: Any) -> Self:
        return self.filter(plan__in=QuarterlyPlan.objects.visible_to(user))

    def editable_by(self, user: Any) -> Self:
        return self.filter(plan__in=QuarterlyPlan.objects.editable_by(user))


class QuarterlyPlan(models.Model):
    """季度计划: a city's (or the province's own) synchronized monitoring plan for one quarter."""

    region = models.ForeignKey(
        Region, verbose_name=_("市（州）或省"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    state = models.CharField(
        _("状态"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT
    )
    way_of_working = models.CharField(
        _("工作方式"), max_length=30, choices=WayOfWorking.choices, default=WayOfWorking.JOINT
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Commit: only the commitment is stored here; the secret is sealed in PlanSecret.
    commitment = models.CharField(_("承诺值（SHA-256）"), max_length=64, blank=True)
    committed_at = models.DateTimeField(_("公布承诺时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公布承诺人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Freeze: the population, its hash, the quota arithmetic and the rule-book versions.
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("冻结人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    count_day = models.DateField(_("设施计数日"), null=True, blank=True)
    counted_facilities = models.PositiveIntegerField(_("计数设施台套数"), null=True, blank=True)
    annual_quota = models.PositiveIntegerField(_("年度应检台套数"), null=True, blank=True)
    achieved_before = models.PositiveIntegerField(_("本年此前已完成"), null=True, blank=True)
    shortfall_in = models.PositiveIntegerField(_("上季度结转缺口"), null=True, blank=True)
    quarter_target = models.PositiveIntegerField(_("本季度应抽台套数"), null=True, blank=True)
    n_to_draw = models.PositiveIntegerField(_("抽取台套数"), null=True, blank=True)
    floor = models.FloatField(_("最低入选概率"), null=True, blank=True)
    eligible_count = models.PositiveIntegerField(_("可抽取台套数"), null=True, blank=True)
    population_hash = models.CharField(_("抽取范围哈希"), max_length=64, blank=True)
    rulebook_versions = models.JSONField(_("规则版本"), default=dict, blank=True)
    # Draw: the secret revealed, the seed, the bundle (canonical JSON).
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revealed_secret = models.CharField(_("揭示的密钥"), max_length=128, blank=True)
    seed = models.CharField(_("种子"), max_length=64, blank=True)
    bundle = models.TextField(_("复核包（JSON）"), blank=True)
    # Assignment: its inputs and result, so it can be re-run.
    assigned_at = models.DateTimeField(_("选派时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("选派人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignment_record = models.JSONField(_("选派记录"), default=dict, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("季度计划")
        verbose_name_plural = pgettext_lazy("plural", "季度计划")
        ordering = ["-year", "-quarter", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "quarter"], name="one_plan_per_region_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="plan_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}Q{self.quarter}"

    @property
    def is_province(self) -> bool:
        return self.region.level == "province"


class PlanSecret(models.Model):
    """The secret committed to, sealed until the draw.

    Deliberately a plain model with a plain manager: it has no ``visible_to``, so no view, API
    or export (which all go through ``visible_to``) can serve it, and it is never written to the
    audit log. Only :func:`ceguan.targeting.ceremony.draw` reads it.
    """

    plan = models.OneToOneField(
        QuarterlyPlan, on_delete=models.CASCADE, related_name="sealed", verbose_name=_("计划")
    )
    secret_hex = models.CharField(_("密钥"), max_length=128)

    class Meta:
        verbose_name = _("封存密钥")
        verbose_name_plural = pgettext_lazy("plural", "封存密钥")

    def __str__(self) -> str:
        return f"{self.plan_id} (sealed)"


class PopulationUnit(models.Model):
    """One facility of a frozen population: its score, weight, π, or why it was left out."""

    plan = models.ForeignKey(
        QuarterlyPlan, on_delete=models.CASCADE, related_name="population", verbose_name=_("计划")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="+", verbose_name=_("设施")
    )
    score = models.FloatField(_("风险评分"))
    factors = models.JSONField(_("评分因素"), default=list)
    weight = models.CharField(_("权重（规范化）"), max_length=32)
    inclusion_probability = models.FloatField(_("入选概率"), null=True, blank=True)
    excluded_reason = models.CharField(_("排除原因"), max_length=200, blank=True)

    objects = ViaPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("抽取范围")
        verbose_name_plural = pgettext_lazy("plural", "抽取范围")
        ordering = ["-score", "facility_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "facility"], name="one_unit_per_facility")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.facility_id} {self.score:.3f}"


class RiskScoreRecord(models.Model):
    """A facility's risk score as computed on a day, with its factors: the score history."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="risk_scores", verbose_name=_("设施")
    )
    plan = models.ForeignKey(
        QuarterlyPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计划"),
    )
    computed_at = models.DateTimeField(_("计算时间"))
    on = models.DateField(_("评分日"))
    score = models.FloatField(_("风险评分"))
    factors = models.JSONField(_("评分因素"), default=list)
    weights_version = models.CharField(_("权重版本"), max_length=64)

    objects = ScopedQuerySet.as_manager()
    #: Jurisdiction: a score is seen by the users of its facility's city (and the province).
    city_path = "facility__outlet__enterprise__city"

    class Meta:
        verbose_name = _("风险评分记录")
        verbose_name_plural = pgettext_lazy("plural", "风险评分记录")
        ordering = ["-computed_at"]
        indexes = [
            # A facility's page lists its score history, newest first.
            models.Index(fields=["facility", "-computed_at"], name="riskscore_history")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.on} {self.score:.3f}"
