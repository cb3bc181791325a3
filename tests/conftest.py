"""Shared fixtures: regions, users of each role, and registry records built through the ORM.

Personas (after healthchecks' Alice/Bob/Charlie): ``alice`` is Lanzhou city staff, ``bob`` is
Tianshui city staff (another city), ``petra`` is province staff, ``audrey`` the auditor.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from ceguan.core.choices import Role

PASSWORD = "correct-horse-battery-9"


REQUIRE_POSTGRES = os.environ.get("CEGUAN_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("CEGUAN_REQUIRE_BROWSER") == "1"


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get("CEGUAN_DATABASE_URL", "")
    if REQUIRE_POSTGRES and not url.startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError("CEGUAN_REQUIRE_POSTGRES=1 needs a postgres:// database URL")
    if REQUIRE_BROWSER and not os.path.exists("/usr/bin/chromium"):
        raise pytest.UsageError("CEGUAN_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Where CI requires PostgreSQL and the browser, a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if (REQUIRE_POSTGRES or REQUIRE_BROWSER) and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but CEGUAN_REQUIRE_POSTGRES/BROWSER forbid skips: {reason}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REQUIRE_BROWSER:
        return
    if os.path.exists("/usr/bin/chromium"):
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (/usr/bin/chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language: a page asked for in English must not leave
    English switched on for the tests that follow."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def lanzhou(db: Any) -> Any:
    from ceguan.registry.models import Region

    return Region.objects.get(code="620100")


@pytest.fixture
def tianshui(db: Any) -> Any:
    from ceguan.registry.models import Region

    return Region.objects.get(code="620500")


def make_user(username: str, role: str, region: Any = None, agency: Any = None) -> Any:
    from ceguan.core.models import User

    return User.objects.create_user(
        username, password=PASSWORD, role=role, region=region, agency=agency
    )


@pytest.fixture
def alice(lanzhou: Any) -> Any:
    return make_user("alice", Role.CITY_STAFF, lanzhou)


@pytest.fixture
def bob(tianshui: Any) -> Any:
    return make_user("bob", Role.CITY_STAFF, tianshui)


@pytest.fixture
def petra(db: Any) -> Any:
    from ceguan.registry.models import Region

    return make_user("petra", Role.PROVINCE_STAFF, Region.objects.get(code="620000"))


@pytest.fixture
def audrey(db: Any) -> Any:
    return make_user("audrey", Role.AUDITOR)


@pytest.fixture
def officer(lanzhou: Any) -> Any:
    return make_user("oscar", Role.OFFICER, lanzhou)


_serial = iter(range(1, 10**6))


def make_enterprise(city: Any, **fields: Any) -> Any:
    """A valid enterprise in ``city`` with a fresh credit code (GB 32100 check character)."""
    from ceguan.core.validators import make_credit_code
    from ceguan.registry.models import Enterprise

    number = next(_serial)
    defaults = {
        "name": f"测试企业{number}",
        "credit_code": make_credit_code(f"91{city.code}MA{number:07d}"),
        "city": city,
        "industry": "thermal_power",
        "supervision_category": "key_unit",
        "list_year": 2018,
    }
    defaults.update(fields)
    return Enterprise.objects.create(**defaults)


def make_facility(enterprise: Any, code: str = "DA001", **fields: Any) -> Any:
    """An outlet (created if missing) with one networked, accepted, self-operated CEMS."""
    from ceguan.registry.models import Facility, Outlet

    medium = "air" if code.startswith("DA") else "water"
    outlet, _ = Outlet.objects.get_or_create(
        enterprise=enterprise, code=code, defaults={"medium": medium}
    )
    number = next(_serial)
    defaults = {
        "outlet": outlet,
        "kind": "cems" if medium == "air" else "water_analyzers",
        "mn": f"{enterprise.city.code}{number:08d}",
        "device_password": "123456",
        "installed_on": date(2017, 3, 1),
        "networked_on": date(2017, 4, 1),
        "accepted_on": date(2017, 6, 1),
        "operation_mode": "self",
    }
    defaults.update(fields)
    return Facility.objects.create(**defaults)
