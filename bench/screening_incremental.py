"""Benchmark: an incremental screening run (``ceguan live`` every 5 minutes) on PostgreSQL.

Issue 4: finding what is new must not read each facility's whole history. The bench creates a
fresh database (``ceguan_bench_incremental``), ``--outlets`` facilities (default 200) and
``--days`` (default 30) of minute history per facility written with one ``INSERT … SELECT
generate_series`` (``--minute-params`` pollutants a minute, default 1: so2; a real outlet sends
about 6, so the "before" figures here are 6 times too kind to the old scan), plus hourly so2/o2/
flow, in monthly partitions. It screens everything once, then times:

* before: a run with nothing new, and one after 5 minutes of new data, deciding "what is new"
  as the old runner did (``received_at > cursor`` per facility: the cursors' value marks are
  cleared, so the runner takes its fallback, which is the old query unchanged);
* after: the same two runs with value marks (one grouped query over ``id > mark``).

The 5 minutes of new data go through ``ceguan.telemetry.store.write_frames`` (5 minute values
per minute pollutant and facility). Also printed: EXPLAIN ANALYZE of both queries.

Run: .venv/bin/python bench/screening_incremental.py [--outlets N] [--days D] [--keep]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

SERVER = "postgres://postgres@127.0.0.1:5432"
DB = "ceguan_bench_incremental"
END = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # history ends here; "now" is 5 minutes later


def admin(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_facilities(n: int, parameters: str = "so2,o2,flow") -> list[Any]:
    """``n`` thermal-power air outlets in Lanzhou, each a CEMS sending ``parameters``."""
    from ceguan.core.validators import make_credit_code
    from ceguan.registry.models import Enterprise, Facility, Outlet, Region

    city = Region.objects.get(code="620100")
    out = []
    for i in range(n):
        ent = Enterprise.objects.create(
            name=f"基准企业{i}", credit_code=make_credit_code(f"91620100MA{i:07d}"), city=city,
            industry="thermal_power", supervision_category="key_unit", list_year=2018,
        )  # fmt: skip
        outlet = Outlet.objects.create(enterprise=ent, code="DA001", medium="air")
        out.append(Facility.objects.create(
            outlet=outlet, kind="cems", mn=f"620100{i:08d}", device_password="123456",
            installed_on=date(2017, 3, 1), networked_on=date(2017, 4, 1),
            accepted_on=date(2017, 6, 1), operation_mode="self", parameters=parameters,
        ))  # fmt: skip
    return out


def load_history(days: int, minute_params: list[str]) -> None:
    """Minute and hourly history of every facility, in data-time order (ids grow with time)."""
    from django.db import connection

    from ceguan.telemetry.models import TelemetryValue
    from ceguan.telemetry.partitions import ensure_partitions

    start = END - timedelta(days=days)
    ensure_partitions(start.date() - timedelta(days=1), END.date() + timedelta(days=1))
    table = TelemetryValue._meta.db_table
    cols = (
        '"facility_id", "pollutant", "kind", "data_time", "revision", "current", "value", '
        '"converted", "flag", "source", "received_at"'
    )
    with connection.cursor() as cursor:
        for kind, step, params in (
            ("minute", "1 minute", minute_params),
            ("hourly", "1 hour", ["so2", "o2", "flow"]),
        ):
            for p in params:
                base = {"so2": 60.0, "o2": 6.5, "flow": 120.0}.get(p, 50.0)
                cursor.execute(
                    f"INSERT INTO {table} ({cols}) "
                    "SELECT f.id, %s, %s, t, 0, true, v, CASE WHEN %s = 'so2' THEN v END, 'N', "
                    "'device', t + interval '30 seconds' "
                    "FROM generate_series(%s::timestamptz, %s::timestamptz - interval '1 second', "
                    "%s::interval) t CROSS JOIN registry_facility f "
                    "CROSS JOIN LATERAL (SELECT %s * (1 + 0.1 * sin(extract(epoch FROM t) / 3600 "
                    "+ f.id) + 0.05 * random()) AS v) x ORDER BY t, f.id",
                    [p, kind, p, start, END, step, base],
                )
        cursor.execute(f"ANALYZE {table}")


def write_new(facilities: list[Any], minute_params: list[str], at: datetime) -> int:
    """5 minutes of minute values per facility through the store, received at ``at``."""
    from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames

    frames = []
    for fac in facilities:
        for j in range(5):
            t = END + timedelta(minutes=j)
            values = [IncomingValue(p, "minute", t, value=55.0 + j, flag="N")
                      for p in minute_params]  # fmt: skip
            frames.append(IncomingFrame(
                received_at=at, peer="10.0.0.1:5000", raw=f"##new {fac.mn} {t}".encode(),
                mn=fac.mn, cn="2051", facility_id=fac.pk, values=values,
            ))  # fmt: skip
    write_frames(frames)
    return len(frames) * len(minute_params)


def timed(label: str, now: datetime, rows: list[tuple[str, str, str]]) -> Any:
    from django.db import connection, reset_queries

    from ceguan.screening.runner import screen

    reset_queries()
    t0 = time.perf_counter()
    result = screen(now=now)
    wall = time.perf_counter() - t0
    rows.append((label, f"{wall:.2f} s", f"{result.facilities} screened, "
                 f"{len(connection.queries)} queries"))  # fmt: skip
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outlets", type=int, default=200)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--minute-params", default="so2")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--db", default=DB)
    args = ap.parse_args()
    minute_params = args.minute_params.split(",")
    admin(f"DROP DATABASE IF EXISTS {args.db}")
    admin(f"CREATE DATABASE {args.db}")
    os.environ["CEGUAN_DATABASE_URL"] = f"{SERVER}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    import warnings

    import django

    warnings.filterwarnings("ignore", category=RuntimeWarning)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = True  # count queries
    rows: list[tuple[str, str, str]] = []
    try:
        call_command("migrate", verbosity=0)
        from ceguan.screening.models import ScreeningCursor, ScreeningRun
        from ceguan.screening.runner import screen
        from ceguan.telemetry.models import TelemetryValue

        facilities = make_facilities(args.outlets)
        t0 = time.perf_counter()
        load_history(args.days, minute_params)
        stored = TelemetryValue.objects.count()
        print(f"{stored:,} values loaded in {time.perf_counter() - t0:.0f} s")
        now = END + timedelta(minutes=5)
        t0 = time.perf_counter()
        first = screen(now=now - timedelta(minutes=20))
        print(f"first (full) screen of {first.facilities}: {time.perf_counter() - t0:.0f} s")
        # The history has no raw frames (SQL-loaded), so the full run took the cursors' receive
        # time from the hourly values; the minute values were received up to 30 s after END.
        # The first run left no settled mark yet: the next one falls back (= the old runner).
        last = TelemetryValue.objects.order_by("-received_at").first().received_at  # type: ignore[union-attr]
        ScreeningCursor.objects.update(value_mark=None, value_count=0, last_received_at=last)
        ScreeningRun.objects.all().delete()
        timed("before: nothing new (received_at scan per facility)", now, rows)
        high = TelemetryValue.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
        ScreeningRun.objects.create(at=now - timedelta(minutes=20), high_id=high)
        timed("after, 1st run: marks set (still the old scan)", now, rows)
        timed("after: nothing new (id > mark)", now + timedelta(minutes=1), rows)
        saved = list(ScreeningCursor.objects.values())
        runs = list(ScreeningRun.objects.values())
        n_new = write_new(facilities, minute_params, now + timedelta(minutes=2))
        print(f"{n_new} new minute values written")
        timed("after: 5 min of new data (id > mark)", now + timedelta(minutes=3), rows)
        plan_new = TelemetryValue.objects.filter(pk__gt=saved[0]["value_mark"]).values(
            "facility_id").order_by().explain(analyze=True)  # fmt: skip
        # Back to the state before the new data was screened, without marks: the old runner.
        for row in saved:
            ScreeningCursor.objects.filter(pk=row["id"]).update(
                last_received_at=row["last_received_at"], last_data_time=row["last_data_time"],
                value_mark=None, value_count=0,
            )  # fmt: skip
        ScreeningRun.objects.all().delete()
        del runs
        timed("before: 5 min of new data (received_at scan)", now + timedelta(minutes=3), rows)
        plan_old = (
            TelemetryValue.objects.filter(
                facility_id=facilities[0].pk, received_at__gt=saved[0]["last_received_at"]
            )
            .values("facility_id")
            .order_by()
            .explain(analyze=True)
        )
    finally:
        connection.close()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {args.db}")
    print(f"\n{args.outlets} outlets × {args.days} days, minute params {minute_params}:")
    for label, wall, what in rows:
        print(f"  {label:<55} {wall:>8}   {what}")
    print("\nEXPLAIN ANALYZE, new values above the mark (all facilities):\n" + plan_new)
    print("\nEXPLAIN ANALYZE, old query for ONE facility:\n" + plan_old)


if __name__ == "__main__":
    main()
