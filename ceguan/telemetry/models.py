"""The telemetry store: raw frames as evidence, values keyed for screening, device state.

Raw frames are append-only (bytes, receive time, peer, SHA-256). Values are keyed by
(facility, pollutant, kind, data time, revision): a frame re-sent with the same values is a
duplicate and stores nothing new; one re-sent with different values adds a revision beside the
original and marks the original as superseded — rewritten history is evidence (architecture.md,
"Storage"). On PostgreSQL both tables are range-partitioned by month (migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.registry.models import Facility
from ceguan.telemetry.choices import CommandStatus, DataKind, FrameOutcome, ValueSource


class RawFrame(models.Model):
    """One HJ 212 frame exactly as received, kept as evidence. Never updated."""

    received_at = models.DateTimeField(_("接收时间"))
    peer = models.CharField(_("来源地址"), max_length=64)
    mn = models.CharField(_("MN 号"), max_length=32, blank=True)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("设施"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,  # rawframe_facility_time serves every read by facility
        related_name="+",
    )
    cn = models.CharField(_("命令编码"), max_length=8, blank=True)
    qn = models.CharField(_("请求编码"), max_length=24, blank=True)
    protocol = models.CharField(_("协议版本"), max_length=8, blank=True)
    crc_variant = models.CharField(_("CRC 算法"), max_length=20, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=FrameOutcome.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    raw = models.BinaryField(_("原始报文"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("原始报文")
        verbose_name_plural = pgettext_lazy("plural", "原始报文")
        indexes = [
            # The facility page and evidence bundles list a facility's frames by time.
            models.Index(fields=["facility", "received_at"], name="rawframe_facility_time"),
            # Frames are read by MN only for devices in no facility (the blind-spot list): a
            # partial index, so the receiver writes it only for those frames.
            models.Index(
                fields=["mn", "received_at"],
                name="rawframe_unregistered_mn",
                condition=models.Q(facility__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mn} {self.cn} {self.received_at:%Y-%m-%d %H:%M:%S}"


class TelemetryValue(models.Model):
    """One value of one pollutant (glossary name) for one period, as a device reported it."""

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("设施"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,  # the unique key (facility, kind, data time …) serves every read
        related_name="+",
    )
    pollutant = models.CharField(_("监测因子"), max_length=24)
    kind = models.CharField(_("数据类型"), max_length=10, choices=DataKind.choices)
    data_time = models.DateTimeField(_("数据时间"))
    revision = models.PositiveSmallIntegerField(_("修订次数"), default=0)
    current = models.BooleanField(_("当前值"), default=True)
    value = models.FloatField(_("值（实时值或均值）"), null=True, blank=True)
    minimum = models.FloatField(_("最小值"), null=True, blank=True)
    maximum = models.FloatField(_("最大值"), null=True, blank=True)
    cumulative = models.FloatField(_("累计值"), null=True, blank=True)
    converted = models.FloatField(_("折算值"), null=True, blank=True)
    flag = models.CharField(_("数据标记"), max_length=4, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=ValueSource.choices, default=ValueSource.DEVICE
    )
    frame_id = models.BigIntegerField(_("原始报文"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"))

    class Meta:
        verbose_name = _("监测数据")
        verbose_name_plural = pgettext_lazy("plural", "监测数据")
        constraints = [
            # Also the series index: charts, screening and aggregation read one facility's
            # values of one kind by time (a prefix of it), and the store looks up a frame's
            # stored values by (facility, kind, data time). Pollutant comes after the time so
            # that the values of one frame sit side by side in one index page: the receiver's
            # batch touches one page per frame instead of one per value (docs/receiver.md).
            models.UniqueConstraint(
                fields=["facility", "kind", "data_time", "pollutant", "revision"],
                name="telemetry_value_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.pollutant} {self.kind} {self.data_time:%Y-%m-%d %H:%M}"


class FacilityLink(models.Model):
    """A facility's connection state: last seen, from where, and whether it is online now."""

    facility = models.OneToOneField(
        Facility, verbose_name=_("设施"), on_delete=models.CASCADE, related_name="link"
    )
    last_seen = models.DateTimeField(_("最近通信"), null=True, blank=True)
    last_data_time = models.DateTimeField(_("最近数据时间"), null=True, blank=True)
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    connected = models.BooleanField(_("在线"), default=False)
    protocol = models.CharField(_("协议版本"), max_length=8, blank=True)
    frames = models.BigIntegerField(_("报文数"), default=0)
    duplicates = models.BigIntegerField(_("重复报文数"), default=0)
    revisions = models.BigIntegerField(_("修订报文数"), default=0)
    rejected = models.BigIntegerField(_("拒收报文数"), default=0)

    class Meta:
        verbose_name = _("设施通信状态")
        verbose_name_plural = pgettext_lazy("plural", "设施通信状态")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.last_seen}"


class UnregisteredDevice(models.Model):
    """A MN that talked to the receiver but is in no facility: a blind spot for the province."""

    mn = models.CharField(_("MN 号"), max_length=32, unique=True)
    first_seen = models.DateTimeField(_("首次出现"))
    last_seen = models.DateTimeField(_("最近出现"))
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    frames = models.BigIntegerField(_("报文数"), default=0)
    last_cn = models.CharField(_("最近命令编码"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("未登记设备")
        verbose_name_plural = pgettext_lazy("plural", "未登记设备")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.mn


class DailyRate(models.Model):
    """A facility's transmission and valid-data rate for one Beijing-time day and data kind."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("设施"), on_delete=models.CASCADE, related_name="daily_rates"
    )
    day = models.DateField(_("日期"))
    kind = models.CharField(_("数据类型"), max_length=10, choices=DataKind.choices)
    expected = models.PositiveIntegerField(_("应收条数"))
    received = models.PositiveIntegerField(_("实收条数"))
    valid = models.PositiveIntegerField(_("有效条数"))
    faulty = models.PositiveIntegerField(_("故障标记条数"), default=0)

    class Meta:
        verbose_name = _("日传输率")
        verbose_name_plural = pgettext_lazy("plural", "日传输率")
        constraints = [
            models.UniqueConstraint(fields=["facility", "day", "kind"], name="daily_rate_key")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.day} {self.kind}"

    @property
    def transmission_rate(self) -> float | None:
        return None if not self.expected else min(1.0, self.received / self.expected)

    @property
    def valid_rate(self) -> float | None:
        return None if not self.received else self.valid / self.received


class DeviceCommand(models.Model):
    """A command the platform sends to a device, and what the device answered."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("设施"), on_delete=models.PROTECT, related_name="commands"
    )
    cn = models.CharField(_("命令编码"), max_length=8)
    qn = models.CharField(_("请求编码"), max_length=24, unique=True)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    requested_by = models.CharField(_("发起人"), max_length=150, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CommandStatus.choices, default=CommandStatus.QUEUED
    )
    answer = models.JSONField(_("应答"), default=dict, blank=True)
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备命令")
        verbose_name_plural = pgettext_lazy("plural", "设备命令")
        ordering = ["-created"]
        indexes = [
            # The receiver polls queued commands of the devices connected to it.
            models.Index(fields=["status", "facility"], name="command_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.cn} {self.qn}"
