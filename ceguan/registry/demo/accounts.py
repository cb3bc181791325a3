"""The demo accounts: one per role, all with the one password :data:`DEMO_PASSWORD`.

An account is created or refreshed only if no one else made it: a user of the same name that no
earlier demo load created is left alone (and reported as kept).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from ceguan.core.choices import Role
from ceguan.core.models import User
from ceguan.registry.demo.names import LANZHOU, TIANSHUI

if TYPE_CHECKING:
    from ceguan.registry.demo.plan import DemoPlan, Regions

#: The one password of every demo account; printed by ``ceguan demo``, never for production.
DEMO_PASSWORD = "ceguan-demo-2026"  # noqa: S105

#: Demo accounts: user name, role, where ("province", a city code, or "agency"), display name.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", Role.PROVINCE_ADMIN, "province", "系统管理员（演示）"),
    ("province_admin", Role.PROVINCE_ADMIN, "province", "省级管理员（演示）"),
    ("province_staff", Role.PROVINCE_STAFF, "province", "省级工作人员（演示）"),
    ("lanzhou_admin", Role.CITY_ADMIN, LANZHOU, "兰州市管理员（演示）"),
    ("lanzhou_staff", Role.CITY_STAFF, LANZHOU, "兰州市工作人员（演示）"),
    ("lanzhou_officer", Role.OFFICER, LANZHOU, "兰州市执法人员（演示）"),
    ("lanzhou_monitor", Role.MONITOR, LANZHOU, "兰州市监测人员（演示）"),
    ("tianshui_admin", Role.CITY_ADMIN, TIANSHUI, "天水市管理员（演示）"),
    ("agency_user", Role.AGENCY_USER, "agency", "检测机构用户（演示）"),
    ("auditor", Role.AUDITOR, "province", "审计员（演示）"),
)
SUPERUSER = "admin"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account as ``ceguan demo`` prints it: user name, role and where it works."""

    username: str
    role: str
    place: str


def place_of(user: User) -> str:
    """The name of the user's agency or region; the province when they have neither."""
    where = user.agency or user.region
    return where.name if where is not None else "甘肃省"


def save_users(
    regions: Regions, plan: DemoPlan, managed: set[str]
) -> tuple[list[DemoLogin], list[str]]:
    """Create the demo accounts, or refresh those an earlier demo load created."""
    encoded = make_password(DEMO_PASSWORD)  # hashed once; the same for every demo account
    by_code = regions.by_code
    agency = plan.agencies[0] if plan.agencies else None
    existing = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in DEMO_USERS])}
    logins, kept = [], []
    for username, role, where, display in DEMO_USERS:
        user = existing.get(username)
        if user is not None and username not in managed:
            kept.append(username)  # someone else's account: never touch it
            continue
        if user is None:
            user = User(username=username)
        user.role = role
        user.first_name = display
        user.region = regions.province if where == "province" else by_code.get(where)
        user.agency = agency if where == "agency" else None
        user.is_active = True
        user.is_superuser = user.is_staff = username == SUPERUSER
        user.password = encoded
        validate_password(DEMO_PASSWORD, user)
        user.full_clean()
        user.save()
        logins.append(DemoLogin(username, role, place_of(user)))
    return logins, kept


def existing_logins(managed: Collection[str]) -> list[DemoLogin]:
    """The logins of the demo accounts an earlier load created, in :data:`DEMO_USERS` order."""
    users = User.objects.filter(username__in=managed).select_related("region", "agency")
    by_name = {user.username: user for user in users}
    return [
        DemoLogin(name, role, place_of(by_name[name]))
        for name, role, _where, _display in DEMO_USERS
        if name in by_name
    ]
