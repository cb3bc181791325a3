from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ceguan.core"
    verbose_name = _("系统")

    def ready(self) -> None:
        from ceguan.core import signals

        signals.connect()
