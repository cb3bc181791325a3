from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelemetryConfig(AppConfig):
    name = "ceguan.telemetry"
    verbose_name = _("自动监控数据")
