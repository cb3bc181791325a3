"""The screening app: alarms, permit limits and the runner around the pure detectors."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """Django app of ``ceguan.screening``; the detectors themselves stay free of Django."""

    name = "ceguan.screening"
    label = "screening"
    verbose_name = _("数据筛查")

    def ready(self) -> None:
        """Audit permit limits and operations records as registry records are audited."""
        from ceguan.registry.signals import connect_audit

        connect_audit(self.label)
