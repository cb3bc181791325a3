"""Named choices of the telemetry store."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataKind(models.TextChoices):
    """What period a value covers; the HJ 212 upload command (CN) it arrives with."""

    REALTIME = "realtime", _("实时数据")  # CN 2011
    MINUTE = "minute", _("分钟数据")  # CN 2051
    HOURLY = "hourly", _("小时数据")  # CN 2061
    DAILY = "daily", _("日数据")  # CN 2031


class FrameOutcome(models.TextChoices):
    """What the receiver did with a frame."""

    STORED = "stored", _("已入库")
    DUPLICATE = "duplicate", _("重复")
    REVISION = "revision", _("修订（与已收数据不同）")
    REJECTED = "rejected", _("拒收")
    UNREGISTERED = "unregistered", _("未登记设备")
    ANSWER = "answer", _("命令应答")
    OTHER = "other", _("其他")


class ValueSource(models.TextChoices):
    DEVICE = "device", _("设备上传")
    FILE = "file", _("文件导入")
    DERIVED = "derived", _("由分钟数据计算")


class CommandStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    ACCEPTED = "accepted", _("设备已接受")
    REFUSED = "refused", _("设备拒绝")
    DONE = "done", _("执行完毕")
    FAILED = "failed", _("执行失败")
    EXPIRED = "expired", _("超时未应答")
