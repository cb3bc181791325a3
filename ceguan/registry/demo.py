"""The demo province (``ceguan demo``): a deterministic synthetic Gansu.

:func:`plan_demo` draws every record from ``(seed, as_of, enterprises)`` and the regions loaded
by migration, without touching the database; :func:`build_demo` writes the plan, one demo
account per role, and one audit entry. The same seed and as-of date give the same credit codes,
MNs, names and dates in any fresh database. Who and what (names, codes, MNs, which facilities
are not networked …) depends on the seed alone, and dates are drawn relative to the as-of date,
so the same seed gives the same enterprises whatever day it is run. Each part draws from its own
random stream, so asking for more enterprises does not change operators, agencies or personnel.

The data is made so that the baseline survey (调查摸底) finds something: some facilities are
networked but not accepted or installed but not networked, some third-party contracts have
expired, some facilities are self-operated or not operated at all, some key units have no
networked facility, some enterprises have an outlet but no facility, some officers' certificates
have expired, and some cities reported their designated contact late or not at all.

Rows are written with ``bulk_create``, which skips the per-row audit signals; one ``import``
entry attributed to ``cli:demo`` records the counts and the natural keys written (credit codes,
certificate numbers, contacts, accounts). ``--reset`` reads those keys back from the audit log
to delete exactly the demo's rows, through the ORM so every deletion is audited, whatever seed
was used before. The audit log itself is never touched.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.db.models.deletion import Collector

from ceguan.core import audit
from ceguan.core.choices import AuditAction, Role
from ceguan.core.models import AuditEntry, User
from ceguan.registry import choices as c
from ceguan.registry import demo_names as n
from ceguan.registry.models import (
    DesignatedContact,
    Enterprise,
    Facility,
    Operator,
    Outlet,
    Personnel,
    Region,
    TestingAgency,
)

DEMO_ACTOR = "cli:demo"
#: The one password of every demo account; printed by ``ceguan demo``, never for production.
DEMO_PASSWORD = "ceguan-demo-2026"  # noqa: S105
DEFAULT_SEED = 2018
DEFAULT_ENTERPRISES = 300

LANZHOU = "620100"
TIANSHUI = "620500"
PROVINCE = "620000"

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

#: The steps :func:`build_demo` reports to its ``progress`` callback, in order.
STEPS = (
    "读取行政区",
    "生成演示数据",
    "写入运营单位与检测机构",
    "写入排污单位",
    "写入排放口与监控设施",
    "写入人员与专人负责",
    "写入演示账号",
    "写入审计日志",
)

# Target shares the survey should find (of facilities unless noted).
SHARE_INSTALLED_ONLY = 0.05
SHARE_NETWORKED_NOT_ACCEPTED = 0.08
SHARE_CONTRACT_EXPIRED = 0.06
SHARE_SELF = 0.07  # of enterprises with facilities
SHARE_NONE = 0.04  # of enterprises with facilities
SHARE_NO_FACILITY = 0.025  # of enterprises
SHARE_DARK_KEY_UNITS = 0.04  # of key units: no networked facility at all
SHARE_EXPIRED_OFFICERS = 0.06
CONTACT_DEADLINE = (4, 28)


class DemoConflict(Exception):
    """The plan would write a record whose unique key is already taken by another row."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    place: str


@dataclass
class DemoPlan:
    """Unsaved model instances, linked to each other and to the regions."""

    operators: list[Operator] = field(default_factory=list)
    agencies: list[TestingAgency] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    outlets: list[Outlet] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    personnel: list[Personnel] = field(default_factory=list)
    contacts: list[DesignatedContact] = field(default_factory=list)


@dataclass
class DemoSummary:
    """What :func:`build_demo` did: counts, survey figures, the accounts and their password."""

    seed: int
    as_of: date
    enterprises: int
    counts: dict[str, int] = field(default_factory=dict)
    survey: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    skipped: bool = False
    deleted: dict[str, int] = field(default_factory=dict)
    kept_users: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class Regions:
    province: Region | None
    cities: list[Region]
    counties: dict[int, list[Region]]

    @property
    def by_code(self) -> dict[str, Region]:
        return {city.code: city for city in self.cities}


def load_regions() -> Regions:
    """The province, its cities and counties, in code order (loaded by migration)."""
    province = Region.objects.filter(code=PROVINCE).first()
    cities = list(Region.objects.filter(level=c.RegionLevel.CITY).order_by("code"))
    counties: dict[int, list[Region]] = {city.pk: [] for city in cities}
    for county in Region.objects.filter(level=c.RegionLevel.COUNTY).order_by("code"):
        counties.setdefault(county.parent_id, []).append(county)
    return Regions(province, cities, counties)


def _stream(seed: int, part: str, as_of: date | None = None) -> random.Random:
    """An independent, reproducible random stream for one part of the demo.

    Who and what (names, codes, MNs, states) is drawn from streams of the seed alone, so the
    same seed gives the same enterprises on any as-of date; dates are drawn from streams of
    the seed and the as-of date. Year fields are the as-of year minus a drawn offset.
    """
    when = f"|{as_of.isoformat()}" if as_of is not None else ""
    return random.Random(f"ceguan-demo|{seed}|{part}{when}")


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties by position)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * weight / whole for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _unique(rng: random.Random, make: Callable[[random.Random], str], taken: set[str]) -> str:
    for _ in range(200):
        value = make(rng)
        if value not in taken:
            taken.add(value)
            return value
    raise RuntimeError("could not draw a unique value")  # pragma: no cover


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def plan_demo(seed: int, as_of: date, enterprises: int, regions: Regions) -> DemoPlan:
    """Draw the whole demo province; a pure function of its arguments (nothing is saved)."""
    plan = DemoPlan()
    codes: set[str] = set()
    plan.operators = _plan_operators(_stream(seed, "operators"), as_of, codes)
    plan.agencies = _plan_agencies(_stream(seed, "agencies"), as_of, regions, codes)
    plan.enterprises = _plan_enterprises(
        _stream(seed, "enterprises"), as_of, enterprises, regions, codes
    )
    plan.outlets, plan.facilities = _plan_outlets_and_facilities(
        _stream(seed, "outlets"), plan.enterprises
    )
    _plan_survey(_stream(seed, "survey"), _stream(seed, "survey", as_of), as_of, plan)
    plan.personnel = _plan_personnel(
        _stream(seed, "personnel"), _stream(seed, "personnel", as_of), as_of, regions, plan
    )
    plan.contacts = _plan_contacts(
        _stream(seed, "contacts"), _stream(seed, "contacts", as_of), as_of, regions, plan
    )
    return plan


def _plan_operators(rng: random.Random, as_of: date, codes: set[str]) -> list[Operator]:
    outside = [i for i, (_, division, _) in enumerate(n.OPERATOR_HOMES) if division[:2] != "62"]
    newcomers = set(rng.sample(outside, 2))
    names: set[str] = set()
    operators = []
    for i, (template, division, area) in enumerate(n.OPERATOR_HOMES):
        name = _unique(rng, lambda r, t=template: t.format(t=r.choice(n.TRADE_NAMES)), names)
        entered = as_of.year - (0 if i in newcomers else rng.randint(1, 12))
        operators.append(
            Operator(
                name=name,
                credit_code=_unique(rng, lambda r, d=division: n.credit_code(r, d), codes),
                entered_province_year=entered,
                phone=n.landline(rng, area),
            )
        )
    return operators


def _plan_agencies(
    rng: random.Random, as_of: date, regions: Regions, codes: set[str]
) -> list[TestingAgency]:
    by_code = regions.by_code
    lapsed = rng.randrange(len(n.AGENCY_HOMES))
    names: set[str] = set()
    cma_numbers: set[str] = set()
    agencies = []
    for i, (template, city_code) in enumerate(n.AGENCY_HOMES):
        name = _unique(rng, lambda r, t=template: t.format(t=r.choice(n.TRADE_NAMES)), names)
        year = as_of.year - (7 if i == lapsed else rng.randint(1, 5))
        cma = _unique(rng, lambda r, y=year: f"{y}28{r.randint(1, 1999):04d}", cma_numbers)
        issued = date(year, rng.randint(1, 12), rng.randint(1, 28))
        agencies.append(
            TestingAgency(
                name=name,
                credit_code=_unique(rng, lambda r, d=city_code: n.credit_code(r, d), codes),
                cma_number=cma,
                cma_valid_until=_years_later(issued, 6) - timedelta(days=1),
                city=by_code.get(city_code),
            )
        )
    return agencies


def _industry_weights(city_code: str) -> tuple[list[str], list[float]]:
    emphasis = n.CITY_INDUSTRY_EMPHASIS.get(city_code, {})
    industries = list(n.INDUSTRY_WEIGHTS)
    weights = [n.INDUSTRY_WEIGHTS[i] * emphasis.get(i, 1.0) for i in industries]
    return industries, weights


def _enterprise_name(
    rng: random.Random, industry: str, city: Region, county: Region | None, names: set[str]
) -> str:
    if industry == c.Industry.WASTEWATER_TREATMENT:
        if county is not None and county.name.endswith("区"):
            base = f"{city.name}{n.county_short(county.name)}"
        else:
            base = county.name if county is not None else city.name
        for candidate in (
            f"{base}污水处理厂",
            f"{base}第二污水处理厂",
            f"{base}工业园区污水处理厂",
            f"{base}第三污水处理厂",
        ):
            if candidate not in names:
                names.add(candidate)
                return candidate

    def make(r: random.Random) -> str:
        place = n.city_short(city.name)
        if county is not None and r.random() < 0.3:
            place = n.county_short(county.name)
        suffixes = n.NAME_SUFFIXES.get(industry, ("水务有限公司",))
        return place + r.choice(n.TRADE_NAMES) + r.choice(suffixes)

    return _unique(rng, make, names)


def _category(rng: random.Random, industry: str, year: int) -> tuple[str, int | None]:
    if industry == c.Industry.WASTEWATER_TREATMENT:
        shares = n.CATEGORY_SHARES["wastewater_treatment"]
    elif industry in n.FOCUS_INDUSTRIES:
        shares = n.CATEGORY_SHARES["focus"]
    else:
        shares = n.CATEGORY_SHARES["other"]
    category = rng.choices(
        [
            c.SupervisionCategory.NATIONAL_KEY,
            c.SupervisionCategory.KEY_UNIT,
            c.SupervisionCategory.NON_KEY,
        ],
        shares,
    )[0]
    if category == c.SupervisionCategory.NATIONAL_KEY:
        last = min(2017, year)  # the national key list gave way to key-unit lists in 2017
        return category, last - rng.randint(0, 3)
    if category == c.SupervisionCategory.KEY_UNIT:
        return category, min(year, max(2017, year - rng.randint(0, 4)))
    return category, None


def _plan_enterprises(
    rng: random.Random, as_of: date, total: int, regions: Regions, codes: set[str]
) -> list[Enterprise]:
    cities = regions.cities
    weights = [n.CITY_PROFILES.get(city.code, n.DEFAULT_PROFILE)[0] for city in cities]
    names: set[str] = set()
    enterprises = []
    for city, count in zip(cities, apportion(total, weights), strict=True):
        industries, industry_weights = _industry_weights(city.code)
        counties = regions.counties.get(city.pk, [])
        county_weights = [2.0 if county.name.endswith("区") else 1.0 for county in counties]
        for _ in range(count):
            industry = rng.choices(industries, industry_weights)[0]
            county = None
            if counties and (industry == c.Industry.WASTEWATER_TREATMENT or rng.random() < 0.94):
                county = rng.choices(counties, county_weights)[0]
            name = _enterprise_name(rng, industry, city, county, names)
            public = industry == c.Industry.WASTEWATER_TREATMENT and rng.random() < 0.4
            code = _unique(
                rng,
                lambda r, d=city.code, p=public: n.credit_code(r, d, "12" if p else "91"),
                codes,
            )
            category, list_year = _category(rng, industry, as_of.year)
            permitted = category != c.SupervisionCategory.NON_KEY or rng.random() < 0.7
            lon, lat = n.lon_lat(rng, city.code)
            road = f"{rng.choice(n.ROADS)}{rng.randint(1, 999)}号"
            enterprises.append(
                Enterprise(
                    name=name,
                    credit_code=code,
                    city=city,
                    county=county,
                    industry=industry,
                    supervision_category=category,
                    list_year=list_year,
                    permit_number=f"{code}001P" if permitted else "",
                    address=f"甘肃省{city.name}{county.name if county else ''}{road}",
                    longitude=Decimal(f"{lon:.6f}"),
                    latitude=Decimal(f"{lat:.6f}"),
                )
            )
    return enterprises


def _facility_kinds(rng: random.Random, outlet: Outlet, industry: str) -> list[str]:
    if outlet.medium == c.Medium.AIR:
        return [c.FacilityKind.CEMS]
    if rng.random() < 0.08:
        return [c.FacilityKind.FLOW_METER]
    return [c.FacilityKind.WATER]


def _parameters(rng: random.Random, kind: str, industry: str) -> str:
    """Blank (the kind's defaults) except for plants that also measure nutrients or pH."""
    if kind != c.FacilityKind.WATER:
        return ""
    extra = []
    if industry == c.Industry.WASTEWATER_TREATMENT and rng.random() < 0.7:
        extra = ["tp", "tn"]
    if rng.random() < 0.3:
        extra.append("ph")
    return ",".join([*c.DEFAULT_PARAMETERS[c.FacilityKind.WATER], *extra]) if extra else ""


def _plan_outlets_and_facilities(
    rng: random.Random, enterprises: Iterable[Enterprise]
) -> tuple[list[Outlet], list[Facility]]:
    outlets: list[Outlet] = []
    facilities: list[Facility] = []
    mn_next: dict[str, int] = {}
    for enterprise in enterprises:
        air_names, water_names, air_range, water_range = n.OUTLET_SPECS[enterprise.industry]
        n_air = rng.randint(air_range[0], min(air_range[1], len(air_names)))
        n_water = rng.randint(water_range[0], min(water_range[1], len(water_names)))
        if n_air + n_water == 0:
            n_air, n_water = (1, 0) if air_names else (0, 1)
        chosen = [
            *((c.Medium.AIR, name) for name in air_names[:n_air]),
            *((c.Medium.WATER, name) for name in water_names[:n_water]),
        ]
        numbers = Counter[str]()
        for medium, name in chosen:
            letter = "A" if medium == c.Medium.AIR else "W"
            numbers[letter] += 1
            outlet = Outlet(
                enterprise=enterprise,
                code=f"D{letter}{numbers[letter]:03d}",
                name=name,
                medium=medium,
            )
            outlets.append(outlet)
            for kind in _facility_kinds(rng, outlet, enterprise.industry):
                city_code = enterprise.city.code
                if city_code not in mn_next:
                    mn_next[city_code] = rng.randint(1_000_000, 5_000_000)
                mn_next[city_code] += rng.randint(1, 37)
                manufacturer, model_name = rng.choice(n.DEVICES[kind])
                password = "123456" if rng.random() < 0.05 else f"{rng.randrange(10**6):06d}"
                facilities.append(
                    Facility(
                        outlet=outlet,
                        kind=kind,
                        mn=f"{city_code}{mn_next[city_code]:08d}",
                        device_password=password,
                        manufacturer=manufacturer,
                        model_name=model_name,
                        parameters=_parameters(rng, kind, enterprise.industry),
                        operation_mode=c.OperationMode.THIRD_PARTY,
                    )
                )
    return outlets, facilities


def _share(count: int, share: float, minimum: int = 1) -> int:
    return min(count, max(minimum, round(count * share)))


def _plan_survey(rng: random.Random, when: random.Random, as_of: date, plan: DemoPlan) -> None:
    """Decide states, operation and contracts so the baseline survey has things to find.

    ``rng`` decides who and what, ``when`` draws the dates.
    """
    by_enterprise: dict[int, list[Facility]] = {}
    for facility in plan.facilities:
        by_enterprise.setdefault(id(facility.outlet.enterprise), []).append(facility)
    enterprises = plan.enterprises

    # A few enterprises have outlets but no facility at all (a blind spot).
    bare = set(rng.sample(range(len(enterprises)), _share(len(enterprises), SHARE_NO_FACILITY, 2)))
    dropped = {id(f) for i in bare for f in by_enterprise.pop(id(enterprises[i]), [])}
    plan.facilities[:] = [f for f in plan.facilities if id(f) not in dropped]
    equipped = [e for i, e in enumerate(enterprises) if i not in bare]

    # Some key units have no networked facility (should be networked but are not).
    key_units = [e for e in equipped if e.supervision_category != c.SupervisionCategory.NON_KEY]
    dark = rng.sample(key_units, _share(len(key_units), SHARE_DARK_KEY_UNITS, 2))
    dark_ids = {id(e) for e in dark}

    # Operation mode is the enterprise's choice: none, self, or one third-party operator.
    order = equipped[:]
    rng.shuffle(order)
    n_none = _share(len(order), SHARE_NONE)
    n_self = _share(len(order), SHARE_SELF)
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
    not_accepted = _share(total, SHARE_NETWORKED_NOT_ACCEPTED)
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
    per_newcomer = _share(len(third), 0.025, 2)
    clients: dict[int, Operator] = {}
    position = 0
    for operator in newcomers:
        for enterprise in third[position : position + per_newcomer]:
            clients[id(enterprise)] = operator
        position += per_newcomer
    rest = third[position:]
    expired = {id(e) for e in rest[: _share(len(rest), SHARE_CONTRACT_EXPIRED / 0.89)]}
    for enterprise in third:
        operator = clients.get(id(enterprise)) or rng.choices(settled, seniority)[0]
        years = rng.randint(1, 3)
        if operator in newcomers:
            start = year_start + timedelta(days=when.randint(0, (as_of - year_start).days))
            end = _years_later(start, years) - timedelta(days=1)
        elif id(enterprise) in expired:
            end = n.days_before(as_of, when, 1, 150)
            start = _years_later(end, -years) + timedelta(days=1)
        else:
            start = n.days_before(as_of, when, 0, 700)
            end = _years_later(start, years) - timedelta(days=1)
            while end < as_of:
                end = _years_later(end, 1)
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


def _plan_personnel(
    rng: random.Random, when: random.Random, as_of: date, regions: Regions, plan: DemoPlan
) -> list[Personnel]:
    personnel: list[Personnel] = []
    officers: list[Personnel] = []
    for city in regions.cities:
        size = n.CITY_PROFILES.get(city.code, n.DEFAULT_PROFILE)[0]
        n_officers = 4 + round(size / 3)
        n_monitors = 2 + round(size / 5)
        sequence = rng.randint(1, 40)
        for i in range(n_officers + n_monitors):
            is_officer = i < n_officers
            year = as_of.year - rng.randint(1, 6)
            number = f"{city.code}{year}{sequence:04d}"
            sequence += rng.randint(1, 9)
            person = Personnel(
                name=n.person_name(rng),
                kind=c.PersonnelKind.OFFICER if is_officer else c.PersonnelKind.MONITOR,
                certificate_number=number if is_officer else f"JC{number}",
                certificate_valid_until=n.days_after(as_of, when, 30, 1800),
                city=city,
                phone=n.mobile(rng),
            )
            personnel.append(person)
            if is_officer:
                officers.append(person)
    for person in rng.sample(officers, _share(len(officers), SHARE_EXPIRED_OFFICERS, 2)):
        person.certificate_valid_until = n.days_before(as_of, when, 1, 300)
    for agency in plan.agencies:
        for k in range(rng.randint(2, 3)):
            personnel.append(
                Personnel(
                    name=n.person_name(rng),
                    kind=c.PersonnelKind.MONITOR,
                    certificate_number=f"JC{agency.cma_number}{k + 1:02d}",
                    certificate_valid_until=n.days_after(as_of, when, 30, 1500),
                    agency=agency,
                    phone=n.mobile(rng),
                )
            )
    return personnel


def _plan_contacts(
    rng: random.Random, when: random.Random, as_of: date, regions: Regions, plan: DemoPlan
) -> list[DesignatedContact]:
    deadline = date(as_of.year, *CONTACT_DEADLINE)
    others = [city for city in regions.cities if city.code != LANZHOU]
    rng.shuffle(others)
    silent = {city.code for city in others[:2]}
    late = {city.code for city in others[2:5]} if as_of > deadline else set()
    if as_of <= deadline:  # nobody can be late yet; the "late" cities simply have not reported
        silent |= {city.code for city in others[2:5]}
    staff: dict[int, list[Personnel]] = {}
    for person in plan.personnel:
        if person.city is not None:
            staff.setdefault(id(person.city), []).append(person)
    contacts = []
    for city in regions.cities:
        if city.code in silent or not staff.get(id(city)):
            continue
        person = rng.choice(staff[id(city)])
        if city.code in late:
            reported = n.days_after(deadline, when, 1, min(45, (as_of - deadline).days))
        else:
            reported = max(date(as_of.year, 1, 1), n.days_before(min(deadline, as_of), when, 0, 35))
        contacts.append(
            DesignatedContact(
                city=city,
                plan_year=as_of.year,
                name=person.name,
                position=rng.choice(n.CONTACT_POSITIONS),
                phone=person.phone,
                reported_on=reported,
            )
        )
    return contacts


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
            1 for ct in plan.contacts if ct.reported_on > date(as_of.year, *CONTACT_DEADLINE)
        ),
    }


# --------------------------------------------------------------------------- writing


def previous_loads() -> list[dict[str, Any]]:
    """The ``changes`` of every demo load recorded in the audit log, oldest first."""
    loads = []
    for changes in AuditEntry.objects.filter(
        action=AuditAction.IMPORT, actor=DEMO_ACTOR
    ).values_list("changes", flat=True):
        if isinstance(changes, dict) and "demo" in changes and "keys" in changes:
            loads.append(changes)
    return loads


def _keys(loads: Iterable[dict[str, Any]], part: str) -> list[Any]:
    values: list[Any] = []
    for load in loads:
        values.extend(load["keys"].get(part, []))
    return values


def demo_present(loads: list[dict[str, Any]]) -> bool:
    """Whether rows of an earlier demo load are still in the database."""
    return (
        Enterprise.objects.filter(credit_code__in=_keys(loads, "enterprises")).exists()
        or Operator.objects.filter(credit_code__in=_keys(loads, "operators")).exists()
        or TestingAgency.objects.filter(credit_code__in=_keys(loads, "agencies")).exists()
    )


def delete_demo(loads: list[dict[str, Any]]) -> dict[str, int]:
    """Delete the registry rows of earlier demo loads (each deletion is audited by its signal).

    Demo accounts are kept (their agency is cleared and set again by the next load).
    """
    enterprises = _keys(loads, "enterprises")
    agencies = _keys(loads, "agencies")
    contacts = [
        models.Q(city__code=code, plan_year=year, name=name)
        for code, year, name in _keys(loads, "contacts")
    ]
    User.objects.filter(
        username__in=_keys(loads, "users"), agency__credit_code__in=agencies
    ).update(agency=None)
    steps = [
        (
            "facilities",
            Facility.objects.filter(outlet__enterprise__credit_code__in=enterprises).select_related(
                "outlet__enterprise"
            ),
        ),
        (
            "outlets",
            Outlet.objects.filter(enterprise__credit_code__in=enterprises).select_related(
                "enterprise"
            ),
        ),
        ("enterprises", Enterprise.objects.filter(credit_code__in=enterprises)),
        (
            "personnel",
            Personnel.objects.filter(
                models.Q(certificate_number__in=_keys(loads, "personnel"))
                | models.Q(agency__credit_code__in=agencies)
            ),
        ),
        (
            "contacts",
            DesignatedContact.objects.filter(reduce(or_, contacts)).select_related("city")
            if contacts
            else DesignatedContact.objects.none(),
        ),
        ("agencies", TestingAgency.objects.filter(credit_code__in=agencies)),
        ("operators", Operator.objects.filter(credit_code__in=_keys(loads, "operators"))),
    ]
    return {name: _delete(queryset) for name, queryset in steps}


def _delete(queryset: models.QuerySet) -> int:
    """Delete like ``QuerySet.delete`` (cascades, protection, audit signals), but hand the
    collector the fetched rows so the audit summaries (``str``) need no query per row."""
    rows = list(queryset)
    if not rows:
        return 0
    collector = Collector(using=queryset.db, origin=queryset)
    collector.collect(rows)
    return collector.delete()[1].get(queryset.model._meta.label, 0)


def _check_free(plan: DemoPlan) -> None:
    """Refuse to write over rows that are not the demo's (unique keys already taken)."""
    checks = [
        (Operator, "credit_code", [o.credit_code for o in plan.operators]),
        (TestingAgency, "credit_code", [a.credit_code for a in plan.agencies]),
        (TestingAgency, "cma_number", [a.cma_number for a in plan.agencies]),
        (Enterprise, "credit_code", [e.credit_code for e in plan.enterprises]),
        (Facility, "mn", [f.mn for f in plan.facilities if f.mn]),
        (Personnel, "certificate_number", [p.certificate_number for p in plan.personnel]),
    ]
    for model, name, values in checks:
        taken = list(
            model.objects.filter(**{f"{name}__in": values}).values_list(name, flat=True)[:3]
        )
        if taken:
            raise DemoConflict(
                f"{model._meta.label}.{name} {', '.join(map(str, taken))} already exist; "
                "run with --reset to replace an earlier demo, or use another --seed"
            )


def _validate(objects: Iterable[models.Model], relations: Sequence[str] = ()) -> None:
    """Link to saved parents, then run field and model validation without database lookups."""
    for obj in objects:
        for name in relations:
            setattr(obj, name, getattr(obj, name))
        obj.clean_fields(exclude=list(relations))
        obj.clean()


def _save(objects: list[Any], relations: Sequence[str] = ()) -> None:
    if objects:
        _validate(objects, relations)
        type(objects[0]).objects.bulk_create(objects, batch_size=500)


def _place(user: User) -> str:
    where = user.agency or user.region
    return where.name if where is not None else "甘肃省"


def _save_users(
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
        logins.append(DemoLogin(username, role, _place(user)))
    return logins, kept


def build_demo(
    seed: int,
    as_of: date,
    enterprises: int = DEFAULT_ENTERPRISES,
    *,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write the demo province for ``(seed, as_of)`` unless an earlier demo is still loaded.

    With ``reset`` the rows of every earlier demo load are deleted first. The whole load is one
    transaction, attributed to ``cli:demo`` in the audit log.
    """
    step = progress or (lambda _label: None)
    summary = DemoSummary(seed=seed, as_of=as_of, enterprises=enterprises)
    with audit.acting_as(DEMO_ACTOR), transaction.atomic():
        loads = previous_loads()
        managed = set(_keys(loads, "users"))
        if reset and loads:
            summary.deleted = delete_demo(loads)
        elif demo_present(loads):
            last = loads[-1]
            summary.skipped = True
            summary.seed = last["demo"]["seed"]
            summary.as_of = date.fromisoformat(last["demo"]["as_of"])
            summary.enterprises = last["demo"]["enterprises"]
            summary.counts = last["counts"]
            summary.survey = last.get("survey", {})
            users = User.objects.filter(username__in=managed).select_related("region", "agency")
            by_name = {user.username: user for user in users}
            summary.logins = [
                DemoLogin(name, role, _place(by_name[name]))
                for name, role, _where, _display in DEMO_USERS
                if name in by_name
            ]
            return summary

        step(STEPS[0])
        regions = load_regions()
        if not regions.cities:
            raise DemoConflict("no cities in the database: run `ceguan migrate` first")
        step(STEPS[1])
        plan = plan_demo(seed, as_of, enterprises, regions)
        _check_free(plan)
        taken = set(
            DesignatedContact.objects.filter(plan_year=as_of.year).values_list("city_id", flat=True)
        )
        plan.contacts = [ct for ct in plan.contacts if ct.city.pk not in taken]

        step(STEPS[2])
        _save(plan.operators)
        _save(plan.agencies, ["city"])
        step(STEPS[3])
        _save(plan.enterprises, ["city", "county"])
        step(STEPS[4])
        _save(plan.outlets, ["enterprise"])
        _save(plan.facilities, ["outlet", "operator"])
        step(STEPS[5])
        _save(plan.personnel, ["city", "agency"])
        _save(plan.contacts, ["city"])
        step(STEPS[6])
        summary.logins, summary.kept_users = _save_users(regions, plan, managed)

        step(STEPS[7])
        summary.counts = {
            "operators": len(plan.operators),
            "agencies": len(plan.agencies),
            "enterprises": len(plan.enterprises),
            "outlets": len(plan.outlets),
            "facilities": len(plan.facilities),
            "personnel": len(plan.personnel),
            "contacts": len(plan.contacts),
            "users": len(summary.logins),
        }
        summary.survey = survey_figures(plan, as_of)
        audit.record(
            AuditAction.IMPORT,
            summary=(
                f"演示省份：种子 {seed}，基准日 {as_of.isoformat()}，"
                f"{len(plan.enterprises)} 家排污单位、{len(plan.facilities)} 台套设施"
            ),
            changes={
                "demo": {"seed": seed, "as_of": as_of.isoformat(), "enterprises": enterprises},
                "counts": summary.counts,
                "survey": summary.survey,
                "keys": {
                    "operators": [o.credit_code for o in plan.operators],
                    "agencies": [a.credit_code for a in plan.agencies],
                    "enterprises": [e.credit_code for e in plan.enterprises],
                    "personnel": [p.certificate_number for p in plan.personnel],
                    "contacts": [[ct.city.code, ct.plan_year, ct.name] for ct in plan.contacts],
                    "users": [login.username for login in summary.logins],
                },
            },
        )
    return summary
