"""Designated contacts (专人负责): who each city named, and whether it reported in time.

The deadline is the rule book's ``workplan.contact_report_deadline`` (甘环办发〔2018〕25号
五（一）: the list is reported by 28 April), read for the plan year, never a literal here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from ceguan.core.jurisdiction import scope_of
from ceguan.registry import choices as c
from ceguan.registry.models import DesignatedContact, Region
from ceguan.standards import ParameterValue, load_rulebook

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"
PENDING = "pending"

STATUS_LABELS = {
    ON_TIME: _("按时报送"),
    LATE: _("逾期报送"),
    OVERDUE: _("逾期未报"),
    PENDING: _("尚未报送（未到期）"),
}


def contact_deadline(plan_year: int) -> tuple[date, ParameterValue]:
    """The reporting deadline of ``plan_year`` and the rule-book value it comes from."""
    value = load_rulebook().get("workplan.contact_report_deadline", on=date(plan_year, 12, 31))
    return value.month_day().in_year(plan_year), value


@dataclass(frozen=True)
class ContactStatus:
    city: Region
    contact: DesignatedContact | None
    status: str

    @property
    def label(self) -> Any:
        return STATUS_LABELS[self.status]


def contact_statuses(user: Any, plan_year: int, today: date) -> list[ContactStatus]:
    """One status per city the user covers, for ``plan_year`` as of ``today``."""
    deadline, _value = contact_deadline(plan_year)
    scope = scope_of(user)
    cities = Region.objects.filter(level=c.RegionLevel.CITY)
    if not scope.everything:
        cities = cities.filter(pk__in=scope.city_ids)
    contacts = {
        contact.city_id: contact
        for contact in DesignatedContact.objects.visible_to(user).filter(plan_year=plan_year)
    }
    statuses = []
    for city in cities:
        contact = contacts.get(city.pk)
        if contact is None:
            status = OVERDUE if today > deadline else PENDING
        else:
            status = ON_TIME if contact.reported_on <= deadline else LATE
        statuses.append(ContactStatus(city, contact, status))
    return statuses
