"""The screening app: alarms, permit limits and the runner around the pure detectors."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """Django app of ``ceguan.screening``; the detectors themselves stay free of Django."""

    name = "ceguan.screening"
    label = "screening"
    verbose_name = _("数据筛查")

    def ready(self) -> None:
        """Audit permit limits and operations records as registry records are audited."""
        from django.db.models.signals import post_delete, post_save

        from ceguan.registry import signals
        from ceguan.registry.base import RegistryModel

        model: Any
        for model in self.get_models():
            if issubclass(model, RegistryModel):
                label = model._meta.label
                post_save.connect(signals._saved, sender=model, dispatch_uid=f"audit-save-{label}")
                post_delete.connect(
                    signals._deleted, sender=model, dispatch_uid=f"audit-delete-{label}"
                )
