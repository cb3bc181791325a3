from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ceguan.registry"
    verbose_name = _("基础信息档案")

    def ready(self) -> None:
        from ceguan.registry import signals

        signals.connect()
