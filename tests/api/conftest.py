"""API fixtures: clients acting as a user by bearer token, and the per-resource case table.

:data:`CASES` declares, for every resource of :data:`ceguan.api.registry.RESOURCES`, how to make a
record tied to a city, a valid create payload for a city, and a change a PATCH may make; the
contract tests in ``test_contract.py`` run the same checks over all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client

from ceguan.core.choices import Role
from tests.conftest import make_enterprise, make_facility, make_user

_serial = iter(range(1, 10**6))


def serial() -> int:
    return next(_serial)


def credit_code(city: Any) -> str:
    from ceguan.core.validators import make_credit_code

    return make_credit_code(f"91{city.code}MA{serial() + 500000:07d}")


def token_client(user: Any, **client_options: Any) -> Client:
    """A test client sending ``Authorization: Bearer <key>`` for a fresh token of ``user``."""
    from ceguan.core.models import ApiToken

    _, key = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {key}"}, **client_options)


@pytest.fixture
def as_user() -> Callable[[Any], Client]:
    return token_client


@pytest.fixture
def anonymous() -> Client:
    return Client(enforce_csrf_checks=True)


# --- How to make each resource -----------------------------------------------------------------


def make_outlet(city: Any, code: str = "DW001") -> Any:
    from ceguan.registry.models import Outlet

    medium = "air" if code.startswith("DA") else "water"
    return Outlet.objects.create(enterprise=make_enterprise(city), code=code, medium=medium)


def make_operator(city: Any) -> Any:
    from ceguan.registry.models import Operator

    return Operator.objects.create(
        name=f"运营公司{serial()}", credit_code=credit_code(city), entered_province_year=2016
    )


def make_agency(city: Any) -> Any:
    from ceguan.registry.models import TestingAgency

    number = serial()
    return TestingAgency.objects.create(
        name=f"检测公司{number}",
        credit_code=credit_code(city),
        cma_number=f"CMA{number:08d}",
        city=city,
    )


def make_personnel(city: Any = None, agency: Any = None) -> Any:
    from ceguan.registry.models import Personnel

    return Personnel.objects.create(
        name=f"张{serial()}",
        kind="monitor",
        certificate_number=f"JC{serial():08d}",
        city=city,
        agency=agency,
    )


def make_contact(city: Any, plan_year: int = 2024) -> Any:
    from ceguan.registry.models import DesignatedContact

    return DesignatedContact.objects.create(
        city=city,
        plan_year=plan_year,
        name="李四",
        phone="0931-8888888",
        reported_on=date(2024, 4, 20),
    )


def make_permit_limit(city: Any) -> Any:
    from ceguan.screening.models import PermitLimit

    return PermitLimit.objects.create(
        outlet=make_outlet(city, "DA001"),
        pollutant="so2",
        period="hourly",
        value=35.0,
        unit="mg/m3",
        clause="许可证 91620100MA00000001 表 3",
    )


def make_operations_record(city: Any) -> Any:
    from ceguan.screening.models import OperationsRecord

    return OperationsRecord.objects.create(
        facility=make_facility(make_enterprise(city)),
        kind="maintenance",
        start=datetime(2026, 1, 5, 8, tzinfo=UTC),
        end=datetime(2026, 1, 5, 10, tzinfo=UTC),
        reported_at=datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
        reported_by="运维公司 张三",
        reference=f"YW-{serial()}",
    )


@dataclass(frozen=True)
class Case:
    """One resource under contract test."""

    slug: str
    #: An existing record tied to the given city (for regions, the city itself).
    make: Callable[[Any], Any]
    #: A payload that creates a valid record in the given city (may create parents via the ORM).
    create_data: Callable[[Any], dict[str, Any]] = field(default=lambda city: {})
    #: A change a PATCH may make.
    change: dict[str, Any] = field(default_factory=dict)
    #: Rows belong to one city, so another city's user must not reach them.
    scoped: bool = True
    read_only: bool = False
    #: Only province roles may change it (operators: one province-wide list).
    province_edits_only: bool = False

    def __str__(self) -> str:
        return self.slug


CASES: tuple[Case, ...] = (
    Case("regions", make=lambda city: city, scoped=False, read_only=True),
    Case(
        "enterprises",
        make=make_enterprise,
        create_data=lambda city: {
            "name": f"新建企业{serial()}",
            "credit_code": credit_code(city),
            "city_id": city.pk,
            "industry": "cement",
            "supervision_category": "non_key",
        },
        change={"address": "七里河区西津西路 1 号"},
    ),
    Case(
        "outlets",
        make=make_outlet,
        create_data=lambda city: {
            "enterprise_id": make_enterprise(city).pk,
            "code": "DA002",
            "medium": "air",
        },
        change={"name": "1 号锅炉排口"},
    ),
    Case(
        "facilities",
        make=lambda city: make_facility(make_enterprise(city)),
        create_data=lambda city: {
            "outlet_id": make_outlet(city, "DA001").pk,
            "kind": "cems",
            "mn": f"{city.code}{serial():08d}",
            "device_password": "sesame-42",
            "installed_on": "2020-01-15",
            "operation_mode": "self",
        },
        change={"manufacturer": "聚光科技"},
    ),
    Case(
        "operators",
        make=make_operator,
        create_data=lambda city: {
            "name": f"新运营公司{serial()}",
            "credit_code": credit_code(city),
            "entered_province_year": 2019,
        },
        change={"phone": "0931-1234567"},
        scoped=False,
        province_edits_only=True,
    ),
    Case(
        "agencies",
        make=make_agency,
        create_data=lambda city: {
            "name": f"新检测公司{serial()}",
            "credit_code": credit_code(city),
            "cma_number": f"CMA{serial():08d}",
            "city_id": city.pk,
        },
        change={"cma_valid_until": "2027-12-31"},
        scoped=False,
    ),
    Case(
        "personnel",
        make=make_personnel,
        create_data=lambda city: {
            "name": "王五",
            "kind": "officer",
            "certificate_number": f"ZF{serial():08d}",
            "certificate_valid_until": "2028-06-30",
            "city_id": city.pk,
        },
        change={"active": False},
    ),
    Case(
        "contacts",
        make=make_contact,
        create_data=lambda city: {
            "city_id": city.pk,
            "plan_year": 2025,
            "name": "赵六",
            "phone": "0931-7777777",
            "reported_on": "2025-04-25",
        },
        change={"position": "科长"},
    ),
    Case(
        "permit-limits",
        make=make_permit_limit,
        create_data=lambda city: {
            "outlet_id": make_outlet(city, "DA001").pk,
            "pollutant": "a21002",  # HJ 212 code of NOx: stored as the glossary name
            "period": "daily",
            "value": 50.0,
            "unit": "mg/Nm³",
            "reference_o2": 6.0,
            "clause": "许可证 91620100MA00000002 表 3",
        },
        change={"verified": True},
    ),
    Case(
        "operations-records",
        make=make_operations_record,
        create_data=lambda city: {
            "facility_id": make_facility(make_enterprise(city)).pk,
            "kind": "fault",
            "start": "2026-01-06T02:00:00Z",
            "end": "2026-01-06T05:00:00Z",
            "reported_at": "2026-01-06T02:10:00Z",
            "reported_by": "某电厂 环保科",
            "reference": f"GZ-{serial()}",
        },
        change={"note": "更换采样探头"},
    ),
)

WRITABLE = tuple(case for case in CASES if not case.read_only)
SCOPED = tuple(case for case in CASES if case.scoped)


@pytest.fixture
def agency_user(lanzhou: Any) -> Any:
    """``agnes``, a user of a Lanzhou testing agency (``agnes.agency``)."""
    return make_user("agnes", Role.AGENCY_USER, agency=make_agency(lanzhou))
