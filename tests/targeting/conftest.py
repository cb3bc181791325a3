"""A small province for the ceremony, assignment and jurisdiction tests, built through the ORM.

Lanzhou (620100, alice's city) has 30 enterprises with one networked CEMS each; Tianshui
(620500, bob's) has 10. Each of Lanzhou, Tianshui and Jiayuguan (620200) has officers with
valid certificates and monitors; one testing agency is based in Lanzhou, one in Tianshui.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from ceguan.core.choices import Role
from tests.conftest import make_enterprise, make_facility, make_user

FREEZE_DAY = date(2026, 1, 5)
#: The tests' clock: 10:00 Beijing time on the freeze day.
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
_serial = iter(range(1, 10**6))


def make_person(kind: str, city: Any = None, agency: Any = None, **fields: Any) -> Any:
    from ceguan.registry.models import Personnel

    number = next(_serial)
    defaults = {
        "name": f"{'执法' if kind == 'officer' else '监测'}{number}",
        "kind": kind,
        "certificate_number": f"CERT{number:06d}",
        "certificate_valid_until": date(2030, 12, 31) if kind == "officer" else None,
        "city": city,
        "agency": agency,
    }
    defaults.update(fields)
    return Personnel.objects.create(**defaults)


def make_agency(city: Any, **fields: Any) -> Any:
    from ceguan.core.validators import make_credit_code
    from ceguan.registry.models import TestingAgency

    number = next(_serial)
    defaults = {
        "name": f"检测机构{number}",
        "credit_code": make_credit_code(f"91{city.code}MA{number + 500000:07d}"),
        "cma_number": f"CMA{number:08d}",
        "cma_valid_until": date(2030, 12, 31),
        "city": city,
    }
    defaults.update(fields)
    return TestingAgency.objects.create(**defaults)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """Every targeting test runs on the freeze day of 2026Q1 (the clock still ticks)."""
    with time_machine.travel(NOW) as traveller:
        yield traveller


@dataclass
class World:
    lanzhou: Any
    tianshui: Any
    jiayuguan: Any
    province: Any
    facilities: dict[str, list[Any]] = field(default_factory=dict)
    officers: dict[str, list[Any]] = field(default_factory=dict)
    monitors: dict[str, list[Any]] = field(default_factory=dict)
    agencies: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(lanzhou: Any, tianshui: Any) -> World:
    from ceguan.registry.models import Region

    w = World(
        lanzhou=lanzhou,
        tianshui=tianshui,
        jiayuguan=Region.objects.get(code="620200"),
        province=Region.objects.get(code="620000"),
    )
    for name, city, count in (("lanzhou", lanzhou, 30), ("tianshui", tianshui, 10)):
        w.facilities[name] = [make_facility(make_enterprise(city)) for _ in range(count)]
    for name, city in (("lanzhou", lanzhou), ("tianshui", tianshui), ("jiayuguan", w.jiayuguan)):
        w.officers[name] = [make_person("officer", city) for _ in range(4)]
        w.monitors[name] = [make_person("monitor", city) for _ in range(2)]
    w.agencies["lanzhou"] = make_agency(lanzhou)
    w.agencies["tianshui"] = make_agency(tianshui)
    return w


@pytest.fixture
def lanzhou_admin(lanzhou: Any) -> Any:
    return make_user("laura", Role.CITY_ADMIN, lanzhou)


@pytest.fixture
def province_admin(db: Any) -> Any:
    from ceguan.registry.models import Region

    return make_user("paul", Role.PROVINCE_ADMIN, Region.objects.get(code="620000"))
