"""Alarms (告警) raised by screening, their events, permit limits, operations records and cursors.

An alarm is one episode (or several adjacent ones, merged) of one rule on one pollutant of one
facility, with the evidence that justifies it. Its status moves only through the services in
:mod:`ceguan.screening.alarms`, each of which writes an :class:`AlarmEvent` in the same
transaction (style.md §10); notifications read unprocessed events through a partial index.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.registry.base import RegistryModel, ScopedQuerySet
from ceguan.registry.models import Facility, Outlet
from ceguan.screening.permits import check_permit_limit


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


class OperationsKind(models.TextChoices):
    """What an operations record (运维记录) reports; each backs the HJ 212 flag of its kind."""

    MAINTENANCE = "maintenance", _("维护（M）")
    CALIBRATION = "calibration", _("校准（C）")
    FAULT = "fault", _("故障（D）")


def _permit_messages() -> dict[str, str]:
    """The messages of :func:`ceguan.screening.permits.check_permit_limit`, translated now."""
    return {
        "unknown": _now("“%(pollutant)s”不是 HJ 212 编码表中的监测因子（可填 so2 或 a21026 等）。"),
        "medium": _now("“%(pollutant)s”不是该类排放口的监测因子（废气/废水不符）。"),
        "not_limited": _now("“%(pollutant)s”不是有浓度限值的污染物（如流量、氧含量、pH）。"),
        "unit": _now("单位应与 HJ 212 编码表一致：%(expected)s。"),
        "value": _now("限值应为大于 0 的数。"),
        "o2_range": _now("基准含氧量应在 0 到 %(air)s（空气含氧量，不含）之间。"),
        "o2_water": _now("废水排放口的限值没有基准含氧量。"),
    }


def _air_o2() -> float:
    from ceguan.standards import load_rulebook

    found = load_rulebook().get("oxygen", "air_o2", on=timezone.localdate())
    return float(found.number())


class PermitLimit(RegistryModel):
    """A discharge permit's limit for one pollutant at one outlet; it overrides the standard's.

    Screening (:mod:`ceguan.screening.limits_for`) uses it instead of the rule book's limit for
    the same pollutant and averaging period, and an alarm judged against it says so ("许可证限值",
    verified or not). Changes go to the audit log and change the runner's rule-set fingerprint,
    so the outlet's facilities are re-screened in full on the next run.
    """

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("排放口"), on_delete=models.PROTECT, related_name="permit_limits"
    )
    pollutant = models.CharField(
        _("监测因子"), max_length=24, help_text=_("术语表名称（如 so2）或 HJ 212 编码（如 a21026）")
    )
    period = models.CharField(_("均值周期"), max_length=10, choices=Period.choices)
    value = models.FloatField(_("限值"))
    unit = models.CharField(_("单位"), max_length=10, default="mg/m3")
    reference_o2 = models.FloatField(_("基准含氧量（%）"), null=True, blank=True)
    clause = models.CharField(
        _("许可证条款"), max_length=300, help_text=_("许可证编号及限值所在的表或条款")
    )
    verified = models.BooleanField(_("已核对许可证原文"), default=False)

    city_path: ClassVar[str] = "outlet__enterprise__city"

    class Meta:
        verbose_name = _("许可排放限值")
        verbose_name_plural = pgettext_lazy("plural", "许可排放限值")
        ordering = ["outlet_id", "pollutant", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "pollutant", "period"], name="permit_limit_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outlet} {self.pollutant} {self.period} {self.value:g} {self.unit}"

    def clean(self) -> None:
        """Pollutant known for the outlet's medium, unit as stored, value > 0, O2 in range."""
        if self.outlet_id is None:
            return
        medium = Outlet.objects.filter(pk=self.outlet_id).values_list("medium", flat=True).first()
        if medium is None:
            return
        check = check_permit_limit(
            self.pollutant,
            medium,
            self.value,
            self.unit,
            self.reference_o2,
            air_o2=_air_o2(),
            labels=_permit_messages(),
        )
        if check.errors:
            raise ValidationError(check.errors)
        self.pollutant, self.unit = check.pollutant, check.unit

    def validate_constraints(self, exclude: object = None) -> None:
        """Report a second limit of the same pollutant and period on its fields."""
        duplicate = PermitLimit.objects.filter(
            outlet_id=self.outlet_id, pollutant=self.pollutant, period=self.period
        ).exclude(pk=self.pk)
        if self.outlet_id is not None and duplicate.exists():
            raise ValidationError(
                {"period": [_now("该排放口已有此监测因子、此均值周期的许可限值。")]}
            )
        super().validate_constraints(exclude=exclude)  # type: ignore[arg-type]


class OperationsRecord(RegistryModel):
    """An operations record (运维记录) or reported fault that can back the enterprise's marking.

    Data flagged M (maintenance), C (calibration) or D (fault) is left out of exceedance
    judgement only when a record of that kind covers the marked time (MEE Announcement 2022
    No. 21); :func:`ceguan.screening.backing.is_backed` decides. ``reported_at`` is when the
    enterprise or its operator reported it, which may be after the work itself: the alarm page
    shows records reported after the marked hours.
    """

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("设施"),
        on_delete=models.PROTECT,
        related_name="operations_records",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=OperationsKind.choices)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    reported_at = models.DateTimeField(_("报告时间"))
    reported_by = models.CharField(
        _("报告人（单位）"), max_length=150, help_text=_("如运营单位及运维人员姓名")
    )
    reference = models.CharField(
        _("记录编号"), max_length=100, help_text=_("运维记录或故障报告的编号")
    )
    note = models.TextField(_("说明"), blank=True)

    city_path: ClassVar[str] = "facility__outlet__enterprise__city"

    class Meta:
        verbose_name = _("运维记录")
        verbose_name_plural = pgettext_lazy("plural", "运维记录")
        ordering = ["-start", "-pk"]
        indexes = [
            # Screening looks up a facility's records overlapping a marked episode.
            models.Index(fields=["facility", "start"], name="opsrecord_facility_start")
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.start) if isinstance(self.start, datetime) else self.start
        return f"{self.get_kind_display()} {self.reference} {str(start)[:16]}"

    def clean(self) -> None:
        """The period ends after it starts; nothing is reported from the future."""
        errors: dict[str, list[str]] = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = [_now("结束时间应晚于开始时间。")]
        now = timezone.now()
        if self.reported_at and self.reported_at > now:
            errors["reported_at"] = [_now("报告时间不能晚于当前时间。")]
        if self.start and self.start > now:
            errors["start"] = [_now("开始时间不能晚于当前时间。")]
        if errors:
            raise ValidationError(errors)


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
    #: Every value of the facility with an id at or below this mark was committed and screened;
    #: an incremental run reads only values with a higher id (the primary key's range), never
    #: the facility's history. None: not known yet (the run falls back to receive times).
    value_mark = models.BigIntegerField(_("已筛查数据编号水位"), null=True, blank=True)
    #: How many of the facility's values above ``value_mark`` were seen when it was last
    #: screened: more now means something new, even a value whose id is below ones already seen
    #: (a transaction that allocated its ids before a run and committed after it).
    value_count = models.BigIntegerField(_("水位以上已筛查条数"), default=0)

    class Meta:
        verbose_name = _("筛查进度")
        verbose_name_plural = pgettext_lazy("plural", "筛查进度")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.last_data_time}"


class ScreeningRun(models.Model):
    """One screening run that moved cursors: when, and the highest value id committed then.

    A value id is allocated before its transaction commits, so ids committed later can be lower
    than ones a run already saw. The high id of a run at least ``SETTLE`` old (runner) is taken as
    settled: every write transaction open at that run has committed since, so cursors may move
    their ``value_mark`` up to it.
    """

    at = models.DateTimeField(_("筛查时间"), db_index=True)
    high_id = models.BigIntegerField(_("最大数据编号"))

    class Meta:
        verbose_name = _("筛查运行")
        verbose_name_plural = pgettext_lazy("plural", "筛查运行")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.high_id}"
