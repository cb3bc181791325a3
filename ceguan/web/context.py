"""Navigation entries shown to the logged-in user, by role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ceguan.core.choices import TEAM_ROLES, Role
from ceguan.core.jurisdiction import scope_of
from ceguan.web.resources import RESOURCES

#: Roles that see only the tasks they are on (``Task.objects.visible_to``): "my tasks".
OWN_TASK_ROLES = TEAM_ROLES | {Role.AGENCY_USER}

REGISTRY_NAV = tuple(
    (slug, RESOURCES[slug].model._meta.verbose_name_plural)
    for slug in (
        "enterprises",
        "outlets",
        "facilities",
        "operators",
        "agencies",
        "personnel",
        "contacts",
        "conflicts",
    )
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav_items``: (href, label) pairs for the user's role; ``user_scope`` for templates."""
    scope = scope_of(getattr(request, "user", None))
    role = getattr(getattr(request, "user", None), "role", "")
    items: list[tuple[str, Any]] = []
    if scope.is_staff:
        items.append((reverse("home"), _("首页")))
        items.append((reverse("survey"), _("调查摸底")))
        items.append((reverse("alarm-inbox"), pgettext_lazy("plural", "报警")))
        if role not in TEAM_ROLES:  # officers and monitors see their tasks, not plans
            items.append((reverse("plan-list"), _("季度计划")))
        items += [(reverse("resource-list", args=[slug]), label) for slug, label in REGISTRY_NAV]
        if scope.everything:
            items.append((reverse("unregistered-devices"), pgettext_lazy("plural", "未登记设备")))
        if scope.can_edit:
            items.append((reverse("import"), _("导入导出")))
            items.append((reverse("data-import"), _("监测数据导入")))
    elif scope.agency_id is not None:
        items.append((reverse("home"), _("首页")))
        items.append((reverse("resource-list", args=["personnel"]), _("人员")))
    if role in OWN_TASK_ROLES:
        items.append((reverse("task-list"), _("我的任务")))
    return {"nav_items": items, "user_scope": scope}
