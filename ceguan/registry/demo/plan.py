"""Drawing the demo province in memory: :func:`plan_demo` and the parts it draws.

Nothing here writes to the database (only :func:`load_regions` reads the regions). Each part
draws from its own random stream (:func:`stream`), so asking for more enterprises does not
change operators, agencies or personnel. Which records get the gaps the baseline survey should
find is decided in :mod:`.survey_shares`; the word lists are in :mod:`.names`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ceguan.registry import choices as c
from ceguan.registry.contacts import contact_deadline
from ceguan.registry.demo import names as n
from ceguan.registry.demo import survey_shares as survey
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
from ceguan.standards import load_rulebook


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


@dataclass(frozen=True)
class Regions:
    """The regions the demo is drawn over; ``counties`` is keyed by the city's primary key."""

    province: Region | None
    cities: list[Region]
    counties: dict[int, list[Region]]

    @property
    def by_code(self) -> dict[str, Region]:
        return {city.code: city for city in self.cities}


def load_regions() -> Regions:
    """The province, its cities and counties, in code order (loaded by migration)."""
    province = Region.objects.filter(code=n.PROVINCE).first()
    cities = list(Region.objects.filter(level=c.RegionLevel.CITY).order_by("code"))
    counties: dict[int, list[Region]] = {city.pk: [] for city in cities}
    for county in Region.objects.filter(level=c.RegionLevel.COUNTY).order_by("code"):
        counties.setdefault(county.parent_id, []).append(county)
    return Regions(province, cities, counties)


def stream(seed: int, part: str, as_of: date | None = None) -> random.Random:
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


def plan_demo(seed: int, as_of: date, enterprises: int, regions: Regions) -> DemoPlan:
    """Draw the whole demo province; a pure function of its arguments and the rule book.

    Nothing is saved. Raises ``NotInForce`` for an ``as_of`` before the work plan (2018-04-20).
    """
    focus = load_rulebook().get("workplan.focus_industries", on=as_of).codes()
    plan = DemoPlan()
    codes: set[str] = set()
    plan.operators = _plan_operators(stream(seed, "operators"), as_of, codes)
    plan.agencies = _plan_agencies(stream(seed, "agencies"), as_of, regions, codes)
    plan.enterprises = _plan_enterprises(
        stream(seed, "enterprises"), as_of, enterprises, regions, codes, focus
    )
    plan.outlets, plan.facilities = _plan_outlets_and_facilities(
        stream(seed, "outlets"), plan.enterprises
    )
    survey.plan_survey(stream(seed, "survey"), stream(seed, "survey", as_of), as_of, plan)
    plan.personnel = _plan_personnel(
        stream(seed, "personnel"), stream(seed, "personnel", as_of), as_of, regions, plan
    )
    plan.contacts = _plan_contacts(
        stream(seed, "contacts"), stream(seed, "contacts", as_of), as_of, regions, plan
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
                cma_valid_until=n.years_later(issued, 6) - timedelta(days=1),
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


def _category(
    rng: random.Random, industry: str, year: int, focus: Collection[str]
) -> tuple[str, int | None]:
    if industry == c.Industry.WASTEWATER_TREATMENT:
        shares = n.CATEGORY_SHARES["wastewater_treatment"]
    elif industry in focus:
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
    rng: random.Random,
    as_of: date,
    total: int,
    regions: Regions,
    codes: set[str],
    focus: Collection[str],
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
            category, list_year = _category(rng, industry, as_of.year, focus)
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


def _plan_personnel(
    rng: random.Random, when: random.Random, as_of: date, regions: Regions, plan: DemoPlan
) -> list[Personnel]:
    """Officers and monitors of every city, then the monitors of every agency.

    Between the two, a few officers' certificates are made to have expired (same ``rng``).
    """
    personnel = _city_personnel(rng, when, as_of, regions)
    officers = [p for p in personnel if p.kind == c.PersonnelKind.OFFICER]
    survey.expire_certificates(rng, when, as_of, officers)
    return personnel + _agency_personnel(rng, when, as_of, plan.agencies)


def _city_personnel(
    rng: random.Random, when: random.Random, as_of: date, regions: Regions
) -> list[Personnel]:
    personnel: list[Personnel] = []
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
            personnel.append(
                Personnel(
                    name=n.person_name(rng),
                    kind=c.PersonnelKind.OFFICER if is_officer else c.PersonnelKind.MONITOR,
                    certificate_number=number if is_officer else f"JC{number}",
                    certificate_valid_until=n.days_after(as_of, when, 30, 1800),
                    city=city,
                    phone=n.mobile(rng),
                )
            )
    return personnel


def _agency_personnel(
    rng: random.Random, when: random.Random, as_of: date, agencies: Iterable[TestingAgency]
) -> list[Personnel]:
    personnel: list[Personnel] = []
    for agency in agencies:
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
    """Each city's designated contact for the as-of year, one of its own staff.

    Cities chosen by :func:`.survey_shares.contact_gaps` report late or not at all.
    """
    deadline = contact_deadline(as_of.year)[0]
    silent, late = survey.contact_gaps(rng, as_of, regions.cities)
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
