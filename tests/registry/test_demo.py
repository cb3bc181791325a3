"""The demo province: deterministic, valid, survey-worthy, idempotent, and with working logins."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from ceguan.core.audit import verify_chain
from ceguan.core.choices import AuditAction, Role
from ceguan.core.models import AuditEntry, User
from ceguan.core.validators import credit_code_problem
from ceguan.registry import choices as c
from ceguan.registry.demo import (
    DEMO_ACTOR,
    DEMO_PASSWORD,
    DEMO_USERS,
    build_demo,
    load_regions,
    plan_demo,
)
from ceguan.registry.models import (
    DesignatedContact,
    Enterprise,
    Facility,
    Operator,
    Outlet,
    Personnel,
    Region,
)
from ceguan.registry.models import (
    TestingAgency as Agency,  # not TestingAgency: pytest would try to collect it
)

AS_OF = date(2026, 11, 28)


def snapshot() -> dict[str, Any]:
    """Everything that identifies the generated data, independent of primary keys."""
    return {
        "enterprises": sorted(
            Enterprise.objects.values_list(
                "credit_code", "name", "city__code", "county__code", "industry",
                "supervision_category", "list_year", "permit_number", "longitude", "latitude",
            )
        ),
        "outlets": sorted(Outlet.objects.values_list("enterprise__credit_code", "code", "medium")),
        "facilities": sorted(
            Facility.objects.values_list(
                "outlet__enterprise__credit_code", "outlet__code", "kind", "mn",
                "device_password", "installed_on", "networked_on", "accepted_on",
                "operation_mode", "operator__credit_code", "contract_start", "contract_end",
            ),
            key=repr,
        ),
        "operators": sorted(Operator.objects.values_list("credit_code", "entered_province_year")),
        "agencies": sorted(Agency.objects.values_list("credit_code", "cma_number")),
        "personnel": sorted(
            Personnel.objects.values_list("certificate_number", "name", "certificate_valid_until")
        ),
        "contacts": sorted(
            DesignatedContact.objects.values_list("city__code", "name", "reported_on")
        ),
    }  # fmt: skip


@pytest.fixture
def demo(db: Any, settings: Any) -> Any:
    return build_demo(2018, AS_OF, 300)


def test_plan_is_a_function_of_seed_and_date(db: Any) -> None:
    regions = load_regions()
    first = plan_demo(5, AS_OF, 120, regions)
    again = plan_demo(5, AS_OF, 120, regions)
    other = plan_demo(6, AS_OF, 120, regions)
    codes = [e.credit_code for e in first.enterprises]
    assert codes == [e.credit_code for e in again.enterprises]
    assert [f.mn for f in first.facilities] == [f.mn for f in again.facilities]
    assert set(codes).isdisjoint(e.credit_code for e in other.enterprises)
    # Another day: the same enterprises and MNs, with dates relative to that day.
    later = plan_demo(5, date(2027, 3, 1), 120, regions)
    assert [e.credit_code for e in later.enterprises] == codes
    assert [f.mn for f in later.facilities] == [f.mn for f in first.facilities]
    assert [f.accepted_on for f in later.facilities] != [f.accepted_on for f in first.facilities]
    assert max(f.accepted_on for f in later.facilities if f.accepted_on) <= date(2027, 3, 1)
    # More enterprises do not reshuffle the operators, agencies or personnel.
    bigger = plan_demo(5, AS_OF, 200, regions)
    assert [o.credit_code for o in bigger.operators] == [o.credit_code for o in first.operators]
    assert [p.certificate_number for p in bigger.personnel] == [
        p.certificate_number for p in first.personnel
    ]


def test_same_seed_builds_the_same_province_twice(db: Any, settings: Any) -> None:
    build_demo(11, AS_OF, 60)
    first = snapshot()
    summary = build_demo(11, AS_OF, 60, reset=True)  # deletes the first load, then rebuilds
    assert summary.deleted["enterprises"] == 60
    assert Facility.objects.count() == len(first["facilities"])
    assert snapshot() == first
    build_demo(12, AS_OF, 60, reset=True)
    assert snapshot()["enterprises"] != first["enterprises"]


def test_counts_are_in_range(demo: Any) -> None:
    assert Enterprise.objects.count() == 300
    assert Operator.objects.count() == 12
    assert Agency.objects.count() == 8
    assert 450 <= Facility.objects.count() <= 2000
    assert Outlet.objects.count() >= 300
    assert demo.counts["facilities"] == Facility.objects.count()
    by_city = Counter(Enterprise.objects.values_list("city__code", flat=True))
    assert by_city.most_common(1)[0][0] == "620100"  # Lanzhou has the most
    assert len(by_city) == Region.objects.filter(level="city").count()
    industries = set(Enterprise.objects.values_list("industry", flat=True))
    assert {
        "steel",
        "thermal_power",
        "nonferrous",
        "petrochemical",
        "cement",
        "paper",
        "wastewater_treatment",
        "waste_incineration",
    } <= industries
    assert len(industries) > 8  # non-focus industries too
    assert set(Enterprise.objects.values_list("supervision_category", flat=True)) == set(
        c.SupervisionCategory.values
    )
    steel = Counter(
        Enterprise.objects.filter(industry="steel").values_list("city__code", flat=True)
    )
    assert steel.most_common(1)[0][0] == "620200"  # Jiayuguan
    nonferrous = Counter(
        Enterprise.objects.filter(industry="nonferrous").values_list("city__code", flat=True)
    )
    assert nonferrous.most_common(1)[0][0] in {"620300", "620400"}  # Jinchang, Baiyin


def test_every_record_is_valid(db: Any, settings: Any) -> None:
    build_demo(2018, AS_OF, 120)
    for queryset in (
        Operator.objects.all(),
        Agency.objects.select_related("city"),
        Enterprise.objects.select_related("city", "county"),
        Outlet.objects.select_related("enterprise"),
        Facility.objects.select_related("outlet"),
        Personnel.objects.all(),
        DesignatedContact.objects.all(),
        User.objects.all(),
    ):
        assert queryset.exists()
        for record in queryset:
            record.full_clean()


def test_identifiers(demo: Any) -> None:
    for code, city in Enterprise.objects.values_list("credit_code", "city__code"):
        assert credit_code_problem(code) is None
        assert code[2:8] == city
    for code in [*Operator.objects.values_list("credit_code", flat=True)]:
        assert credit_code_problem(code) is None
    mns = list(
        Facility.objects.exclude(mn=None).values_list("mn", "outlet__enterprise__city__code")
    )
    assert len({mn for mn, _ in mns}) == len(mns)
    assert all(re.fullmatch(r"\d{14}", mn) and mn.startswith(city) for mn, city in mns)
    for password in Facility.objects.exclude(mn=None).values_list("device_password", flat=True):
        assert re.fullmatch(r"\d{6}", password)
    cma = list(Agency.objects.values_list("cma_number", flat=True))
    assert len(set(cma)) == 8 and all(re.fullmatch(r"\d{10}", n) for n in cma)
    assert len(set(Agency.objects.values_list("city", flat=True))) >= 4
    for lon, lat in Enterprise.objects.values_list("longitude", "latitude"):
        assert 92 <= lon <= 108 and 32 <= lat <= 43
    with_county = Enterprise.objects.exclude(county=None).count()
    assert with_county > 0.75 * Enterprise.objects.count()
    for outlet in Outlet.objects.all():
        assert outlet.code[:2] == ("DA" if outlet.medium == c.Medium.AIR else "DW")
    assert Enterprise.objects.filter(outlets__medium="air").filter(outlets__medium="water").exists()
    for name in Enterprise.objects.filter(industry="wastewater_treatment").values_list(
        "name", flat=True
    ):
        assert name.endswith(("污水处理厂", "有限公司"))


def test_survey_finds_things(demo: Any) -> None:
    facilities = Facility.objects.all()
    total = facilities.count()

    def share(**lookups: Any) -> float:
        return facilities.filter(**lookups).count() / total

    assert 0.04 <= share(networked_on__isnull=False, accepted_on=None) <= 0.14
    assert 0.02 <= share(installed_on__isnull=False, networked_on=None) <= 0.10
    assert 0.02 <= share(contract_end__lt=AS_OF) <= 0.12
    assert 0.03 <= share(operation_mode=c.OperationMode.SELF) <= 0.14
    assert 0.01 <= share(operation_mode=c.OperationMode.NONE) <= 0.10
    assert share(accepted_on__isnull=False) > 0.7
    third = facilities.filter(operation_mode=c.OperationMode.THIRD_PARTY)
    assert not third.filter(operator=None).exists()
    assert not third.filter(contract_end=None).exists()
    assert not facilities.exclude(operation_mode=c.OperationMode.THIRD_PARTY).filter(
        operator__isnull=False
    )
    key_units = Enterprise.objects.exclude(supervision_category=c.SupervisionCategory.NON_KEY)
    dark = key_units.exclude(outlets__facilities__networked_on__isnull=False)
    assert dark.count() >= 2
    assert Enterprise.objects.filter(outlets__isnull=False, outlets__facilities=None).exists()
    newcomers = Operator.objects.filter(entered_province_year=AS_OF.year)
    assert newcomers.count() == 2
    for operator in newcomers:
        assert operator.facilities.exists()
        assert not operator.facilities.filter(contract_start__lt=date(AS_OF.year, 1, 1)).exists()


def test_people_and_contacts(demo: Any) -> None:
    for city in Region.objects.filter(level="city"):
        assert city.personnel.filter(kind=c.PersonnelKind.OFFICER).count() >= 4
        assert city.personnel.filter(kind=c.PersonnelKind.MONITOR).count() >= 2
    for agency in Agency.objects.all():
        assert agency.personnel.filter(kind=c.PersonnelKind.MONITOR, city=None).count() >= 2
    officers = Personnel.objects.filter(kind=c.PersonnelKind.OFFICER)
    assert officers.filter(certificate_valid_until__lt=AS_OF).exists()
    assert officers.filter(certificate_valid_until__gt=AS_OF).count() > 0.8 * officers.count()
    contacts = DesignatedContact.objects.filter(plan_year=AS_OF.year)
    cities = Region.objects.filter(level="city").count()
    assert contacts.count() == cities - 2
    assert contacts.filter(reported_on__gt=date(AS_OF.year, 4, 28)).exists()
    assert not contacts.filter(reported_on__gt=AS_OF).exists()
    assert contacts.filter(city__code="620100").exists()


def test_contacts_before_the_deadline(db: Any, settings: Any) -> None:
    build_demo(3, date(2026, 4, 10), 40)
    contacts = DesignatedContact.objects.all()
    assert contacts.exists()
    assert not contacts.filter(reported_on__gt=date(2026, 4, 10)).exists()


def test_demo_users_log_in(db: Any, client: Any, settings: Any) -> None:
    summary = build_demo(2018, AS_OF, 40)
    assert {login.username for login in summary.logins} == {u[0] for u in DEMO_USERS}
    assert summary.password == DEMO_PASSWORD
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="lanzhou_staff").region.code == "620100"
    assert User.objects.get(username="lanzhou_monitor").region.code == "620100"
    assert User.objects.get(username="tianshui_admin").region.code == "620500"
    assert User.objects.get(username="agency_user").agency is not None
    assert User.objects.get(username="admin").is_superuser
    for login in summary.logins:
        assert client.login(username=login.username, password=DEMO_PASSWORD), login
        client.logout()


def test_second_run_skips_and_reset_replaces(db: Any, settings: Any) -> None:
    first = build_demo(21, AS_OF, 60)
    imports = AuditEntry.objects.filter(action=AuditAction.IMPORT, actor=DEMO_ACTOR)
    assert imports.count() == 1
    assert imports.get().changes["counts"] == first.counts
    codes = set(Enterprise.objects.values_list("credit_code", flat=True))

    again = build_demo(21, AS_OF, 60)
    assert again.skipped
    assert Enterprise.objects.count() == 60 and imports.count() == 1
    also = build_demo(99, AS_OF, 60)  # another seed does not pile up either
    assert also.skipped and also.seed == 21
    assert Enterprise.objects.count() == 60

    entries = AuditEntry.objects.count()
    reset = build_demo(22, AS_OF, 60, reset=True)
    assert not reset.skipped
    assert Enterprise.objects.count() == 60
    assert codes.isdisjoint(Enterprise.objects.values_list("credit_code", flat=True))
    assert User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)
    assert AuditEntry.objects.count() > entries  # deletions audited, nothing removed
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, actor=DEMO_ACTOR).exists()
    assert imports.count() == 2
    assert verify_chain().ok


def test_someone_elses_account_is_left_alone(db: Any, settings: Any) -> None:
    User.objects.create_user("admin", password="a-real-admin-password-9", role=Role.PROVINCE_ADMIN)
    summary = build_demo(2018, AS_OF, 40)
    assert summary.kept_users == ["admin"]
    assert User.objects.get(username="admin").check_password("a-real-admin-password-9")
    summary = build_demo(2018, AS_OF, 40, reset=True)
    assert User.objects.get(username="admin").check_password("a-real-admin-password-9")


def test_command_prints_logins(db: Any, settings: Any) -> None:
    out = io.StringIO()
    call_command("demo", "--as-of", "2026-11-28", "--enterprises", "40", "--seed", "4", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username, *_ in DEMO_USERS:
        assert username in text
    out = io.StringIO()
    call_command("demo", "--as-of", "2026-11-28", "--enterprises", "40", stdout=out)
    assert "--reset" in out.getvalue()
    assert Enterprise.objects.count() == 40
