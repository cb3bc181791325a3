"""Alarms (告警) raised by screening, their events, permit limits and the runner's cursors.

An alarm is one episode (or several adjacent ones, merged) of one rule on one pollutant of one
facility, with the evidence that justifies it. Its status moves only through the services in
:mod:`ceguan.screening.alarms`, each of which writes an :class:`AlarmEvent` in the same
transaction (style.md §10); notifications read unprocessed events through a partial index.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.registry.base import ScopedQuerySet
from ceguan.registry.models import Facility, Outlet


class Period(models.TextChoices):
    """Averaging period a permit limit applies to."""

    HOURLY = "hourly", _("小时均值")
    DAILY = "daily", _("日均值")


class Category(models.TextChoices):
    """What kind of finding an alarm is."""

    EXCEEDANCE = "exceedance", _("超标")
    ANOMALY = "anomaly", _("数据异常")
    FAULT = "fault", _("设备故障")
    OFFLINE = "offline", _("离线/缺数")
    FALSIFICATION_SIGN = "falsification_sign", _("疑似弄虚作假")


class Severity(models.TextChoices):
    """Mirror of :class:`ceguan.screening.episode.Severity` for the database."""

    INFO = "info", _("提示")
    WARNING = "warning", _("预警")
    ALARM = "alarm", _("报警")


class Status(models.TextChoices):
    """Lifecycle of an alarm; the allowed moves are :data:`ceguan.screening.alarms.TRANSITIONS`."""

    NEW = "new", _("新告警")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    EXPLAINED = "explained", _("已说明")
    DISMISSED = "dismissed", _("已排除")
    CONFIRMED = "confirmed", _("已确认")
    TASKED = "tasked", _("已派发任务")


#: Statuses in which a new adjacent episode extends the alarm instead of opening another.
OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED)


class PermitLimit(models.Model):
    """A discharge permit's limit for one pollutant at one outlet; it overrides the standard's."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("排放口"), on_delete=models.PROTECT, related_name="permit_limits"
    )
    pollutant = models.CharField(_("监测因子"), max_length=24)
    period = models.CharField(_("均值周期"), max_length=10, choices=Period.choices)
    value = models.FloatField(_("限值"))
    unit = models.CharField(_("单位"), max_length=10, default="mg/m3")
    reference_o2 = models.FloatField(_("基准含氧量（%）"), null=True, blank=True)
    clause = models.CharField(_("许可证条款"), max_length=300)
    verified = models.BooleanField(_("已核对许可证原文"), default=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_updated = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    city_path: ClassVar[str] = "outlet__enterprise__city"

    class Meta:
        verbose_name = _("许可排放限值")
        verbose_name_plural = pgettext_lazy("plural", "许可排放限值")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "pollutant", "period"], name="permit_limit_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.pollutant} {self.period} {self.value:g} {self.unit}"


class Alarm(models.Model):
    """One finding of one rule on one pollutant of one facility, with its evidence."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("设施"), on_delete=models.PROTECT, related_name="alarms"
    )
    pollutant = models.CharField(_("监测因子"), max_length=24, blank=True)
    rule_id = models.CharField(_("规则"), max_length=60)
    rule_version = models.PositiveSmallIntegerField(_("规则版本"))
    rule_source = models.CharField(_("规则依据"), max_length=400)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    episode_start = models.DateTimeField(_("异常开始（数据时间）"))
    episode_end = models.DateTimeField(_("异常结束（数据时间）"))
    score = models.FloatField(_("强度"))
    evidence = models.JSONField(_("证据"), default=dict)
    rule_unverified = models.BooleanField(_("依据未核原文"), default=False)
    note = models.TextField(_("说明或排除理由"), blank=True)
    task_ref = models.CharField(_("任务编号"), max_length=64, blank=True)
    opened_at = models.DateTimeField(_("生成时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = ScopedQuerySet.as_manager()
    #: Jurisdiction: an alarm is seen by the users of its facility's city.
    city_path: ClassVar[str] = "facility__outlet__enterprise__city"

    class Meta:
        verbose_name = _("告警")
        verbose_name_plural = pgettext_lazy("plural", "告警")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            # The runner looks up a facility's alarms of one rule and pollutant near an episode
            # to extend an open one instead of opening another.
            models.Index(
                fields=["facility", "rule_id", "pollutant", "episode_start"],
                name="alarm_episode",
            ),
            # Lists and the survey filter by status and time.
            models.Index(fields=["status", "opened_at"], name="alarm_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule_id} {self.pollutant} {self.episode_start:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AlarmEvent(models.Model):
    """One change of an alarm (creation, extension, status move), written with the change."""

    alarm = models.ForeignKey(
        Alarm, verbose_name=_("告警"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=150, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("告警事件")
        verbose_name_plural = pgettext_lazy("plural", "告警事件")
        ordering = ["at", "pk"]
        indexes = [
            # Outbox: the notification worker (a later issue) reads events not yet processed,
            # oldest first, through this partial index and stamps processed_at.
            models.Index(
                fields=["id"],
                name="alarmevent_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.from_status}→{self.to_status} {self.at:%Y-%m-%d %H:%M}"


class ScreeningCursor(models.Model):
    """How far one facility was screened, and by which rule set."""

    facility = models.OneToOneField(
        Facility,
        verbose_name=_("设施"),
        on_delete=models.CASCADE,
        related_name="screening_cursor",
    )
    last_data_time = models.DateTimeField(_("已筛查至（数据时间）"), null=True, blank=True)
    last_received_at = models.DateTimeField(_("已筛查数据的最晚接收时间"), null=True, blank=True)
    fingerprint = models.CharField(_("规则集指纹"), max_length=64)
    screened_at = models.DateTimeField(_("筛查时间"))

    class Meta:
        verbose_name = _("筛查进度")
        verbose_name_plural = pgettext_lazy("plural", "筛查进度")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.last_data_time}"
