"""Navigation entries shown to the logged-in user, by role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ceguan.core.jurisdiction import scope_of

REGISTRY_NAV = (
    ("enterprises", _("排污单位")),
    ("outlets", _("排放口")),
    ("facilities", _("自动监控设施")),
    ("operators", _("运营单位")),
    ("agencies", _("检测机构")),
    ("personnel", _("人员")),
    ("contacts", _("专人负责")),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav_items``: (href, label) pairs for the user's role; ``user_scope`` for templates."""
    scope = scope_of(getattr(request, "user", None))
    items: list[tuple[str, Any]] = []
    if scope.is_staff:
        items.append((reverse("home"), _("首页")))
        items.append((reverse("survey"), _("调查摸底")))
        items += [(reverse("resource-list", args=[slug]), label) for slug, label in REGISTRY_NAV]
        if scope.can_edit:
            items.append((reverse("import"), _("导入导出")))
    elif scope.agency_id is not None:
        items.append((reverse("home"), _("首页")))
        items.append((reverse("resource-list", args=["personnel"]), _("人员")))
    return {"nav_items": items, "user_scope": scope}
