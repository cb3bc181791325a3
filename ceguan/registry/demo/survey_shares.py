"""What the baseline survey (调查摸底) should find in the demo, and the draws that make it so.

The plan (:mod:`.plan`) draws complete, regular records; the functions here then pick which of
them get the gaps the survey looks for: facilities networked but not accepted or installed but
not networked, third-party contracts that have expired, facilities self-operated or not operated
at all, key units with no networked facility, enterprises with an outlet but no facility,
officers whose certificate has expired, and cities that reported their designated contact late
or not at all. The target shares are the ``SHARE_*`` constants; :func:`survey_figures` counts
what the survey will find.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ceguan.registry import choices as c
from ceguan.registry.contacts import contact_deadline
from ceguan.registry.demo import names as n
from ceguan.registry.models import Enterprise, Facility, Operator, Personnel, Region

if TYPE_CHECKING:
    from ceguan.registry.demo.plan import DemoPlan

# Target shares the survey should find (of facilities unless noted).
SHARE_INSTALLED_ONLY = 0.05
SHARE_NETWORKED_NOT_ACCEPTED = 0.08
SHARE_CONTRACT_EXPIRED = 0.06
SHARE_SELF = 0.07  # of enterprises with facilities
SHARE_NONE = 0.04  # of enterprises with facilities
SHARE_NO_FACILITY = 0.025  # of enterprises
SHARE_DARK_KEY_UNITS = 0.04  # of key units: no networked facility at all
SHARE_EXPIRED_OFFICERS = 0.06
#: (month, day) by which cities report their designated contact.


def share(count: int, fraction: float, minimum: int = 1) -> int:
    """``fraction`` of ``count`` records, rounded: at least ``minimum``, at most ``count``."""
    return min(count, max(minimum, round(count * fraction)))


def plan_survey(rng: random.Random, when: random.Random, as_of: date, plan: DemoPlan) -> None:
    """Decide states, operation and contracts so the baseline survey has things to find.

    ``rng`` decides who and what, ``when`` draws the dates.
    """
    by_enterprise: dict[int, list[Facility]] = {}
    for facility in plan.facilities:
        by_enterprise.setdefault(id(facility.outlet.enterprise), []).append(facility)
    enterprises = plan.enterprises

    # A few enterprises have outlets but no facility at all (a blind spot).
    bare = set(rng.sample(range(len(enterprises)), share(len(enterprises), SHARE_NO_FACILITY, 2)))
    dropped = {id(f) for i in bare for f in by_enterprise.pop(id(enterprises[i]), [])}
    plan.facilities[:] = [f for f in plan.facilities if id(f) not in dropped]
    equipped = [e for i, e in enumerate(enterprises) if i not in bare]

    # Some key units have no networked facility (should be networked but are not).
    key_units = [e for e in equipped if e.supervision_category != c.SupervisionCategory.NON_KEY]
    dark = rng.sample(key_units, share(len(key_units), SHARE_DARK_KEY_UNITS, 2))
    dark_ids = {id(e) for e in dark}

    # Operation mode is the enterprise's choice: none, self, or one third-party operator.
    order = equipped[:]
    rng.shuffle(order)
    n_none = share(len(order), SHARE_NONE)
    n_self = share(len(order), SHARE_SELF)
    modes = {id(e): c.OperationMode.NONE for e in order[:n_none]}
    modes |= {id(e): c.OperationMode.SELF for e in order[n_none : n_none + n_self]}
    third = order[n_none + n_self :]
    _plan_contracts(rng, when, as_of, plan, third, by_enterprise)
    for enterprise in equipped:
        mode = modes.get(id(enterprise))
        if mode is None:
            continue
        for facility in by_enterprise.get(id(enterprise), []):
            facility.operation_mode = mode

    # Installation, networking and acceptance, facility by facility.
    regular = [f for f in plan.facilities if id(f.outlet.enterprise) not in dark_ids]
    dark_facilities = [f for f in plan.facilities if id(f.outlet.enterprise) in dark_ids]
    total = len(plan.facilities)
    installed_only = max(1, round(total * SHARE_INSTALLED_ONLY) - len(dark_facilities))
    not_accepted = share(total, SHARE_NETWORKED_NOT_ACCEPTED)
    shuffled = regular[:]
    rng.shuffle(shuffled)
    state = {id(f): "installed" for f in shuffled[:installed_only]}
    state |= {id(f): "networked" for f in shuffled[installed_only : installed_only + not_accepted]}
    first_dark = id(dark[0]) if dark else None
    for facility in dark_facilities:
        planned = id(facility.outlet.enterprise) == first_dark
        state[id(facility)] = "planned" if planned else "installed"
    for facility in plan.facilities:
        _set_dates(rng, when, as_of, facility, state.get(id(facility), "accepted"))


def _plan_contracts(
    rng: random.Random,
    when: random.Random,
    as_of: date,
    plan: DemoPlan,
    third: list[Enterprise],
    by_enterprise: dict[int, list[Facility]],
) -> None:
    year_start = date(as_of.year, 1, 1)
    newcomers = [op for op in plan.operators if op.entered_province_year == as_of.year]
    settled = [op for op in plan.operators if op.entered_province_year < as_of.year]
    seniority = [as_of.year - op.entered_province_year + 2 for op in settled]
    per_newcomer = share(len(third), 0.025, 2)
    clients: dict[int, Operator] = {}
    position = 0
    for operator in newcomers:
        for enterprise in third[position : position + per_newcomer]:
            clients[id(enterprise)] = operator
        position += per_newcomer
    rest = third[position:]
    expired = {id(e) for e in rest[: share(len(rest), SHARE_CONTRACT_EXPIRED / 0.89)]}
    for enterprise in third:
        operator = clients.get(id(enterprise)) or rng.choices(settled, seniority)[0]
        years = rng.randint(1, 3)
        if operator in newcomers:
            start = year_start + timedelta(days=when.randint(0, (as_of - year_start).days))
            end = n.years_later(start, years) - timedelta(days=1)
        elif id(enterprise) in expired:
            end = n.days_before(as_of, when, 1, 150)
            start = n.years_later(end, -years) + timedelta(days=1)
        else:
            start = n.days_before(as_of, when, 0, 700)
            end = n.years_later(start, years) - timedelta(days=1)
            while end < as_of:
                end = n.years_later(end, 1)
        for facility in by_enterprise.get(id(enterprise), []):
            facility.operator = operator
            facility.contract_start = start
            facility.contract_end = end


def _set_dates(
    rng: random.Random, when: random.Random, as_of: date, facility: Facility, state: str
) -> None:
    if state == "accepted":
        facility.accepted_on = n.days_before(as_of, when, 20, 2600)
        facility.networked_on = n.days_before(facility.accepted_on, when, 10, 120)
        facility.installed_on = n.days_before(facility.networked_on, when, 5, 90)
    elif state == "networked":
        facility.networked_on = n.days_before(as_of, when, 3, 240)
        facility.installed_on = n.days_before(facility.networked_on, when, 5, 90)
    elif state == "installed":
        facility.installed_on = n.days_before(as_of, when, 5, 500)
        if rng.random() < 0.5:
            facility.mn, facility.device_password = None, ""
    else:  # planned: on file, nothing installed yet
        facility.mn, facility.device_password = None, ""


def expire_certificates(
    rng: random.Random, when: random.Random, as_of: date, officers: Sequence[Personnel]
) -> None:
    """Let a few officers' certificates have expired before ``as_of`` (at least two)."""
    for person in rng.sample(officers, share(len(officers), SHARE_EXPIRED_OFFICERS, 2)):
        person.certificate_valid_until = n.days_before(as_of, when, 1, 300)


def contact_gaps(
    rng: random.Random, as_of: date, cities: Sequence[Region]
) -> tuple[set[str], set[str]]:
    """The codes of the cities that have not reported their contact, and of those that were late.

    Lanzhou always reports on time. Before the deadline nobody can be late yet: the cities that
    would have been late simply have not reported.
    """
    deadline = contact_deadline(as_of.year)[0]
    others = [city for city in cities if city.code != n.LANZHOU]
    rng.shuffle(others)
    silent = {city.code for city in others[:2]}
    late = {city.code for city in others[2:5]} if as_of > deadline else set()
    if as_of <= deadline:
        silent |= {city.code for city in others[2:5]}
    return silent, late


def survey_figures(plan: DemoPlan, as_of: date) -> dict[str, int]:
    """What the baseline survey will find in the plan (counts)."""
    facilities = plan.facilities
    with_facility = {id(f.outlet.enterprise) for f in facilities}
    networked = {id(f.outlet.enterprise) for f in facilities if f.networked_on}
    modes = Counter(f.operation_mode for f in facilities)
    return {
        "facilities": len(facilities),
        "installed": sum(1 for f in facilities if f.installed_on),
        "networked": sum(1 for f in facilities if f.networked_on),
        "accepted": sum(1 for f in facilities if f.accepted_on),
        "networked_not_accepted": sum(
            1 for f in facilities if f.networked_on and not f.accepted_on
        ),
        "installed_not_networked": sum(
            1 for f in facilities if f.installed_on and not f.networked_on
        ),
        "third_party": modes[c.OperationMode.THIRD_PARTY],
        "self": modes[c.OperationMode.SELF],
        "none": modes[c.OperationMode.NONE],
        "contract_expired": sum(1 for f in facilities if f.contract_expired(as_of)),
        "key_units_not_networked": sum(
            1
            for e in plan.enterprises
            if e.supervision_category != c.SupervisionCategory.NON_KEY and id(e) not in networked
        ),
        "enterprises_without_facility": sum(
            1 for e in plan.enterprises if id(e) not in with_facility
        ),
        "officers_expired": sum(
            1
            for p in plan.personnel
            if p.kind == c.PersonnelKind.OFFICER and not p.certificate_valid_on(as_of)
        ),
        "contacts_late": sum(
            1 for ct in plan.contacts if ct.reported_on > contact_deadline(as_of.year)[0]
        ),
    }
