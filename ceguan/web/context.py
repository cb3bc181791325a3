"""Navigation entries shown to the logged-in user, by role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ceguan.core.jurisdiction import scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    scope = scope_of(user)
    items: list[tuple[str, Any]] = []
    if scope.is_staff or scope.everything:
        items = [
            ("home", _("首页")),
            ("survey", _("调查摸底")),
            ("resource-list:enterprises", _("排污单位")),
            ("resource-list:outlets", _("排放口")),
            ("resource-list:facilities", _("自动监控设施")),
            ("resource-list:operators", _("运营单位")),
            ("resource-list:agencies", _("检测机构")),
            ("resource-list:personnel", _("人员")),
            ("resource-list:contacts", _("专人负责")),
        ]
        if scope.can_edit:
            items.append(("import", _("导入")))
    elif scope.agency_id is not None:
        items = [("home", _("首页")), ("resource-list:personnel", _("人员"))]
    return {"nav_items": items, "user_scope": scope}
