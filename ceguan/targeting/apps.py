"""The targeting app: quarterly plans, the draw ceremony, tasks and teams around the pure core."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetingConfig(AppConfig):
    """Django app of ``ceguan.targeting``; ``risk``, ``draw``, ``bundle``, ``quota`` and
    ``assign`` stay free of Django."""

    name = "ceguan.targeting"
    label = "targeting"
    verbose_name = _("随机抽查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Audit declared conflicts as registry records are audited."""
        from ceguan.registry.signals import connect_audit

        connect_audit(self.label)
