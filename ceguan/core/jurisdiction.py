"""The one jurisdiction rule: which cities (or which agency) a user's queries may reach.

Province roles and the auditor cover the whole province. City roles, officers and monitors
cover the city of their region (a county user covers its city). A testing-agency user covers
only records tied to their agency. Anonymous users cover nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ceguan.core.choices import EDITOR_ROLES, PROVINCE_ROLES, Role


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    city_ids: frozenset[int] = frozenset()
    agency_id: int | None = None
    can_edit: bool = False
    is_staff: bool = False


NOTHING = Scope()


def scope_of(user: Any) -> Scope:
    """Return the :class:`Scope` of ``user`` (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_ceguan_scope", None)
    if cached is not None:
        return cached
    role = Role.PROVINCE_ADMIN if user.is_superuser and not user.role else user.role
    can_edit = role in EDITOR_ROLES
    if role in PROVINCE_ROLES:
        scope = Scope(everything=True, can_edit=can_edit, is_staff=True)
    elif role == Role.AGENCY_USER:
        scope = Scope(agency_id=user.agency_id)
    elif user.region_id is not None:
        region = user.region
        city_id = region.parent_id if region.level == "county" else region.pk
        scope = Scope(city_ids=frozenset({city_id}), can_edit=can_edit, is_staff=True)
    else:
        scope = NOTHING
    user._ceguan_scope = scope
    return scope
