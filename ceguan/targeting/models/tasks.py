"""Plan items, tasks (one visit to one enterprise), their teams, declared conflicts.

Jurisdiction of a task (issue 5 §7, M-7): province roles see every task; city users see the
tasks of their city's enterprises (so a cross-city task is seen by the province and by the city
of the enterprise); officers and monitors see only tasks they are on; a testing agency's users see
only tasks their agency is on, and only from the first day of the visit window — the task is
invisible to the enterprise's operator and agency until the visit.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.core.choices import TEAM_ROLES
from ceguan.core.jurisdiction import scope_of
from ceguan.hj212.times import BEIJING
from ceguan.registry.base import RegistryModel, ScopedQuerySet
from ceguan.registry.models import Enterprise, Facility, Personnel, Region, TestingAgency
from ceguan.targeting.choices import (
    ItemSource,
    MemberRole,
    MemberSource,
    TaskState,
    WayOfWorking,
)
from ceguan.targeting.models.plans import QuarterlyPlan


def beijing_today(now: Any = None) -> date:
    return (now or timezone.now()).astimezone(BEIJING).date()


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user: Any, now: Any = None) -> Self:
        """Tasks ``user`` may see at ``now`` (default: now); see the module docstring."""
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.agency_id is not None:
            on_team = models.Q(members__agency_id=scope.agency_id) | models.Q(
                members__personnel__agency_id=scope.agency_id
            )
            return self.filter(on_team, visit_from__lte=beijing_today(now)).distinct()
        if not scope.city_ids:
            return self.none()
        if user.role in TEAM_ROLES:
            login = PersonnelLogin.objects.filter(user=user).first()
            if login is None:
                return self.none()
            return self.filter(members__personnel_id=login.personnel_id).distinct()
        return self.filter(city_id__in=scope.city_ids)

    def editable_by(self, user: Any) -> Self:
        scope = scope_of(user)
        if not scope.can_edit:
            return self.none()
        return self if scope.everything else self.filter(city_id__in=scope.city_ids)


class ViaTaskQuerySet(models.QuerySet):
    """Rows of a task (its team): seen by whoever sees the task, changed by whoever runs it."""

    def visible_to(self, user: Any, now: Any = None) -> Self:
        return self.filter(task__in=Task.objects.visible_to(user, now))

    def editable_by(self, user: Any) -> Self:
        return self.filter(task__in=Task.objects.editable_by(user))


class Task(models.Model):
    """任务: one synchronized monitoring and enforcement visit to one enterprise."""

    reference = models.CharField(_("任务编号"), max_length=40, unique=True)
    plan = models.ForeignKey(
        QuarterlyPlan, verbose_name=_("计划"), on_delete=models.PROTECT, related_name="tasks"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="tasks"
    )
    #: The enterprise's city, kept on the task for scoping (a cross-city team comes from elsewhere).
    city = models.ForeignKey(
        Region, verbose_name=_("所在市（州）"), on_delete=models.PROTECT, related_name="tasks"
    )
    way_of_working = models.CharField(_("工作方式"), max_length=30, choices=WayOfWorking.choices)
    cross_city = models.BooleanField(_("交叉检查"), default=False)
    source = models.CharField(_("来源"), max_length=10, choices=ItemSource.choices)
    visit_from = models.DateField(_("检查时段起（不事先通知）"))
    visit_until = models.DateField(_("检查时段止"))
    state = models.CharField(
        _("状态"), max_length=12, choices=TaskState.choices, default=TaskState.PLANNED
    )
    visited_on = models.DateField(_("现场检查日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    #: Inputs and result of the team's assignment when it was staffed on its own (ad hoc tasks).
    assignment_record = models.JSONField(_("选派记录"), default=dict, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = pgettext_lazy("plural", "任务")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visit_until__gte=models.F("visit_from")),
                name="task_window_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class PlanItem(models.Model):
    """One facility in a plan: drawn, or added ad hoc from alarms (linked as evidence)."""

    plan = models.ForeignKey(
        QuarterlyPlan, verbose_name=_("计划"), on_delete=models.PROTECT, related_name="items"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("设施"), on_delete=models.PROTECT, related_name="plan_items"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="+"
    )
    way_of_working = models.CharField(_("工作方式"), max_length=30, choices=WayOfWorking.choices)
    source = models.CharField(_("来源"), max_length=10, choices=ItemSource.choices)
    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="items"
    )
    alarms = models.ManyToManyField(
        "screening.Alarm", verbose_name=_("关联报警"), related_name="plan_items", blank=True
    )
    draw_order = models.PositiveIntegerField(_("抽取顺序"), null=True, blank=True)

    objects = ViaTaskQuerySet.as_manager()  # an item is seen with its task

    class Meta:
        verbose_name = _("计划事项")
        verbose_name_plural = pgettext_lazy("plural", "计划事项")
        ordering = ["plan", "draw_order", "pk"]

    def __str__(self) -> str:
        return f"{self.plan} {self.facility_id}"


class TaskMember(models.Model):
    """One member of a task's team: a person (officer, monitor) or a testing agency."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("角色"), max_length=10, choices=MemberRole.choices)
    personnel = models.ForeignKey(
        Personnel,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task_memberships",
    )
    agency = models.ForeignKey(
        TestingAgency,
        verbose_name=_("检测机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task_memberships",
    )
    source = models.CharField(
        _("产生方式"), max_length=10, choices=MemberSource.choices, default=MemberSource.DRAWN
    )
    override_reason = models.TextField(_("调整理由"), blank=True)
    replaced = models.CharField(_("被替换的成员"), max_length=20, blank=True)

    objects = ViaTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务成员")
        verbose_name_plural = pgettext_lazy("plural", "任务成员")
        ordering = ["task", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(personnel__isnull=False, agency__isnull=True)
                | models.Q(personnel__isnull=True, agency__isnull=False),
                name="member_person_or_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.role} {self.member_key}"

    @property
    def member_key(self) -> str:
        """``p<personnel id>`` or ``a<agency id>``, as the pure assignment names candidates."""
        return f"p{self.personnel_id}" if self.personnel_id else f"a{self.agency_id}"


class DeclaredConflict(RegistryModel):
    """回避: a person or a testing agency declared to have a conflict with an enterprise.

    An agency that tests for the enterprise (it is commissioned by it) is declared here too; an
    agency whose company operates the enterprise's facilities is found from the registry.
    """

    personnel = models.ForeignKey(
        Personnel,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
    )
    agency = models.ForeignKey(
        TestingAgency,
        verbose_name=_("检测机构"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.CASCADE, related_name="conflicts"
    )
    reason = models.CharField(_("回避理由"), max_length=300)
    declared_on = models.DateField(_("申报日期"))

    objects = ScopedQuerySet.as_manager()
    city_path = "enterprise__city"

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = pgettext_lazy("plural", "回避申报")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(personnel__isnull=False, agency__isnull=True)
                | models.Q(personnel__isnull=True, agency__isnull=False),
                name="conflict_person_or_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.personnel or self.agency} ↔ {self.enterprise}"


class PersonnelLogin(models.Model):
    """Which login belongs to which personnel record, so officers and monitors see their tasks.

    Kept here (not on the registry's Personnel) to leave the registry's models as they are; the
    registry may take it over.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="personnel_login",
    )
    personnel = models.OneToOneField(
        Personnel, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="login"
    )

    class Meta:
        verbose_name = _("人员账号")
        verbose_name_plural = pgettext_lazy("plural", "人员账号")

    def __str__(self) -> str:
        return f"{self.user} = {self.personnel}"
