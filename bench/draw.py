"""Benchmark: one quarter's draw ceremony for a 10,000-facility province (not a test).

Builds a synthetic province in a fresh database — 10,000 networked facilities spread over the
15 cities (one facility per enterprise, so every drawn facility is a task), 30 officers and
10 monitors per city, 20 testing agencies, a week of daily rates per facility and 2,000 alarms —
then times, through the real services (``ceguan.targeting.ceremony`` and ``assignment``):

* **province-wide**: the province's own plan over all 10,000 facilities, n = 250 (2.5 %, the
  10 % yearly quota's quarter): commit, freeze (facts, scores, π, population hash), draw (reveal,
  draw, bundle, plan items and tasks), assign officers, and verify the stored bundle;
* **per city**: the 15 city plans of the same quarter, each to its quota target (the way the
  province actually runs a quarter); summed times.

Target (issue 5): draw + assign ≤ 2 s for the province. SQLite by default (a temporary file);
``--database-url postgres://postgres@127.0.0.1:5432/ceguan_bench_draw`` creates (and at the end
drops) that PostgreSQL database.

Run: .venv/bin/python bench/draw.py [--facilities 10000] [--database-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FREEZE = date(2026, 1, 5)


def prepare(url: str | None, console: Console) -> str | None:
    """Point Django at a fresh database; returns the PostgreSQL database name to drop, if any."""
    if url:
        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["CEGUAN_DATABASE_URL"] = url
        return url
    path = Path(tempfile.mkdtemp(prefix="ceguan-bench-draw-")) / "bench.sqlite3"
    os.environ["CEGUAN_DATABASE_URL"] = f"sqlite:///{path}"
    console.print(f"SQLite database {path}")
    return None


def build(total: int, console: Console) -> dict[str, Any]:
    from ceguan.core.choices import Role
    from ceguan.core.models import User
    from ceguan.core.validators import make_credit_code
    from ceguan.registry.models import (
        Enterprise,
        Facility,
        Outlet,
        Personnel,
        Region,
        TestingAgency,
    )  # fmt: skip
    from ceguan.screening.models import Alarm
    from ceguan.telemetry.models import DailyRate

    t0 = time.perf_counter()
    cities = list(Region.objects.filter(level="city").order_by("code"))
    industries = ["steel", "thermal_power", "chemical", "cement", "paper", "other", "food"]
    enterprises = [
        Enterprise(
            name=f"基准企业{i}", credit_code=make_credit_code(f"91620000MA{i:07d}"),
            city=cities[i % len(cities)], industry=industries[i % len(industries)],
            supervision_category="non_key" if i % 3 else "key_unit",
            list_year=None if i % 3 else 2018,
        )
        for i in range(total)
    ]  # fmt: skip
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    enterprises = list(Enterprise.objects.order_by("pk"))
    Outlet.objects.bulk_create(
        [Outlet(enterprise=e, code="DA001", medium="air") for e in enterprises], batch_size=2000
    )
    outlets = list(Outlet.objects.order_by("pk"))
    Facility.objects.bulk_create(
        [
            Facility(
                outlet=o, kind="cems", mn=f"BENCH{i:010d}", installed_on=date(2017, 3, 1),
                networked_on=date(2017, 4, 1), accepted_on=date(2017, 6, 1),
                operation_mode="self" if i % 4 else "none",
            )
            for i, o in enumerate(outlets)
        ],
        batch_size=2000,
    )  # fmt: skip
    facilities = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
    people = []
    for c, city in enumerate(cities):
        for j in range(40):
            kind = "officer" if j < 30 else "monitor"
            people.append(
                Personnel(
                    name=f"人员{c}-{j}", kind=kind, certificate_number=f"B{c:02d}{j:04d}",
                    certificate_valid_until=date(2030, 1, 1) if kind == "officer" else None,
                    city=city,
                )
            )  # fmt: skip
    Personnel.objects.bulk_create(people)
    TestingAgency.objects.bulk_create(
        [
            TestingAgency(
                name=f"机构{a}", credit_code=make_credit_code(f"91620000MB{a:07d}"),
                cma_number=f"CMAB{a:06d}", cma_valid_until=date(2030, 1, 1), city=cities[a % 15],
            )
            for a in range(20)
        ]
    )  # fmt: skip
    rates = [
        DailyRate(
            facility_id=pk, day=FREEZE - timedelta(days=d), kind="hourly", expected=24,
            received=24 - (pk + d) % 5, valid=24 - (pk + d) % 5, faulty=(pk * d) % 3,
        )
        for pk in facilities
        for d in range(1, 8)
    ]  # fmt: skip
    DailyRate.objects.bulk_create(rates, batch_size=5000)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    categories = ["exceedance", "anomaly", "falsification_sign", "fault"]
    statuses = ["new", "acknowledged", "confirmed", "dismissed"]
    Alarm.objects.bulk_create(
        [
            Alarm(
                facility_id=facilities[(i * 37) % len(facilities)], pollutant="so2",
                rule_id="bench", rule_version=1, rule_source="bench",
                category=categories[i % 4], severity="alarm", status=statuses[(i // 4) % 4],
                episode_start=start + timedelta(hours=i),
                episode_end=start + timedelta(hours=i + 3),
                score=1.0, evidence={}, opened_at=start + timedelta(hours=i),
                updated_at=start + timedelta(hours=i),
            )
            for i in range(2000)
        ],
        batch_size=2000,
    )  # fmt: skip
    province = Region.objects.get(level="province")
    admin = User.objects.create_user(
        "bench", password="x", role=Role.PROVINCE_ADMIN, region=province
    )
    console.print(
        f"built {total} facilities, {len(people)} staff, 20 agencies, {len(rates)} daily rates, "
        f"2,000 alarms in {time.perf_counter() - t0:.1f} s"
    )
    return {"admin": admin, "province": province, "cities": cities}


def timed(label: str, times: dict[str, float], fn: Any, *args: Any, **kw: Any) -> Any:
    t0 = time.perf_counter()
    result = fn(*args, **kw)
    times[label] = times.get(label, 0.0) + time.perf_counter() - t0
    return result


def ceremony(user: Any, region: Any, n: int | None, times: dict[str, float]) -> Any:
    from ceguan.targeting.assignment import assign_plan
    from ceguan.targeting.ceremony import commit_plan, create_plan, draw_plan, freeze_plan
    from ceguan.targeting.verification import verify_plan

    plan = timed("create + commit", times, create_plan, user, region, 2026, 1)
    timed("create + commit", times, commit_plan, plan, user)
    timed("freeze", times, freeze_plan, plan, user, on=FREEZE, n=n)
    timed("draw", times, draw_plan, plan, user)
    timed("assign", times, assign_plan, plan, user)
    outcome = timed("verify", times, verify_plan, plan)
    assert outcome.match, outcome.reasons
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--database-url", help="postgres://… (a database that is (re)created)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    console = Console(width=140)
    to_drop = prepare(args.database_url, console)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ceguan.core.audit import acting_as

    try:
        call_command("migrate", verbosity=0)
        world = build(args.facilities, console)
        from ceguan.standards import load_rulebook

        load_rulebook()  # parsed once per process (cached), as in a running server; not timed
        results = []
        with acting_as("bench"):
            times: dict[str, float] = {}
            plan = ceremony(
                world["admin"], world["province"], round(args.facilities * 0.025), times
            )
            results.append(
                (
                    "province-wide plan",
                    plan.eligible_count,
                    plan.n_to_draw,
                    plan.tasks.count(),
                    times,
                )
            )
            city_times: dict[str, float] = {}
            drawn = tasks = eligible = 0
            from ceguan.targeting.models import QuarterlyPlan

            QuarterlyPlan.objects.filter(pk=plan.pk).update(year=2025)  # free the quarter's loads
            for city in world["cities"]:
                p = ceremony(world["admin"], city, None, city_times)
                drawn, tasks, eligible = (
                    drawn + p.n_to_draw,
                    tasks + p.tasks.count(),
                    eligible + p.eligible_count,
                )
            results.append(("15 city plans (sum)", eligible, drawn, tasks, city_times))
        table = Table(title=f"Draw ceremony, {args.facilities} facilities, {connection.vendor}")
        for column in ("scenario", "eligible", "n", "tasks", "commit", "freeze", "draw", "assign",
                       "draw+assign", "verify"):  # fmt: skip
            table.add_column(column, justify="right")
        for name, eligible, n, task_count, t in results:
            table.add_row(
                name, str(eligible), str(n), str(task_count),
                *(f"{t[k]:.2f} s" for k in ("create + commit", "freeze", "draw", "assign")),
                f"{t['draw'] + t['assign']:.2f} s", f"{t['verify']:.2f} s",
            )  # fmt: skip
        console.print(table)
        verdict = results[0][4]["draw"] + results[0][4]["assign"]
        met = "met" if verdict <= 2 else "NOT met"
        console.print(f"province draw + assign {verdict:.2f} s (target ≤ 2 s: {met})")
    finally:
        connection.close()
        if to_drop and not args.keep:
            server, name = to_drop.rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
