"""Benchmark: screening one province-day end to end on PostgreSQL (not a test; prints figures).

A province-day is 1,000 air outlets × 1,440 minutes × 6 parameters (so2, nox, particulate, o2,
flow, temperature) = 8.64 M minute values, plus their 144,000 hourly averages (what the runner
screens: it loads each facility's current hourly series). The bench creates a fresh database
(``ceguan_bench_screen`` on ``postgres://postgres@127.0.0.1:5432``), migrates it, creates the
enterprises and facilities through the ORM (thermal power plants in Lanzhou, region 620100, so
the rule book's GB 13223 limits apply), writes the data through ``ceguan.telemetry.store.
write_frames`` (not timed), then times:

* ``ceguan.screening.runner.screen(full=True)`` end to end (load series, choose limits, run every
  detector in force, write alarms), target ≤ 60 s;
* the detectors alone on the same hourly arrays (the runner's ``SeriesInputs``, prepared
  beforehand), and on the minute arrays in memory (8.64 M values, windows as for hourly data).

The database is dropped at the end (``--keep`` keeps it). Loading 8.64 M minute values through
the store takes long on a small machine: ``--outlets N`` measures at a smaller size, and the
report extrapolates linearly to 1,000 outlets (the runner's work is per facility), saying so.

Run: .venv/bin/python bench/screening_province_day.py [--outlets N] [--no-minutes] [--keep]
     [--db NAME] [--reuse]  (``--keep`` once, then ``--reuse`` to re-screen the same data)
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from rich.console import Console
from rich.table import Table

SERVER = "postgres://postgres@127.0.0.1:5432"
#: The bench's own database; ``--db NAME`` picks another (helpers run benches side by side).
DB = "ceguan_bench_screen"
PARAMS = ("so2", "nox", "particulate", "o2", "flow", "temperature")
DAY0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # Beijing 2026-03-02 00:00
PROVINCE = 1000


def admin(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def synth(seed: int) -> dict[str, np.ndarray]:
    """Minute values of one outlet for a day: load cycle, coupled pollutants, anti-correlated O2."""
    rng = np.random.default_rng(seed)
    m = np.arange(1440)
    load = 0.75 + 0.1 * np.sin(2 * np.pi * (m - 420) / 1440) + rng.normal(0, 0.02, 1440)
    noise = lambda s: np.convolve(rng.normal(0, s, 1500), np.ones(61) / 61**0.5, "same")[:1440]  # noqa: E731
    return {
        "so2": 40 * np.exp(2 * (load - 0.75) + noise(0.05)),
        "nox": 80 * np.exp(1.5 * (load - 0.75) + noise(0.05)),
        "particulate": 6 * np.exp(2 * (load - 0.75) + noise(0.06)),
        "o2": 6.5 - 6 * (load - 0.75) + noise(0.05),
        "flow": 400 * load * np.exp(noise(0.01)),
        "temperature": 50 + 10 * (load - 0.75) + noise(0.2),
    }


def convert(c: np.ndarray, o2: np.ndarray) -> np.ndarray:
    return c * (21 - 6.0) / (21 - o2)  # GB 13223 reference O2 6 %


def load_data(n: int, minutes: bool, console: Console) -> tuple[list[Any], float]:
    from screening_incremental import make_facilities  # bench/ is the script's folder

    from ceguan.telemetry.store import IncomingFrame, IncomingValue, write_frames

    t0 = time.perf_counter()
    facilities = make_facilities(n, ",".join(PARAMS))
    batch: list[Any] = []
    written = 0
    for k, fac in enumerate(facilities):
        data = synth(k)
        for h in range(24):
            at = DAY0 + timedelta(hours=h)
            sl = slice(60 * h, 60 * h + 60)
            hourly = []
            o2h = float(data["o2"][sl].mean())
            for p in PARAMS:
                v = round(float(data[p][sl].mean()), 3)
                conv = round(float(convert(data[p][sl], data["o2"][sl]).mean()), 3) if p in (
                    "so2", "nox", "particulate") else None  # fmt: skip
                hourly.append(IncomingValue(p, "hourly", at, value=v, converted=conv, flag="N",
                                            minimum=float(data[p][sl].min()),
                                            maximum=float(data[p][sl].max())))  # fmt: skip
            del o2h
            batch.append(IncomingFrame(
                received_at=at + timedelta(hours=1, seconds=30), peer="10.0.0.1:5000",
                raw=f"##bench {fac.mn} 2061 {at.isoformat()}".encode(), mn=fac.mn, cn="2061",
                facility_id=fac.pk, values=hourly,
            ))  # fmt: skip
            if minutes:
                vals = [
                    IncomingValue(p, "minute", at + timedelta(minutes=j),
                                  value=round(float(data[p][60 * h + j]), 3), flag="N")
                    for j in range(60) for p in PARAMS
                ]  # fmt: skip
                batch.append(IncomingFrame(
                    received_at=at + timedelta(hours=1, seconds=20), peer="10.0.0.1:5000",
                    raw=f"##bench {fac.mn} 2051 {at.isoformat()}".encode(), mn=fac.mn,
                    cn="2051", facility_id=fac.pk, values=vals,
                ))  # fmt: skip
                written += len(vals)
            written += len(hourly)
            if len(batch) >= 96:
                write_frames(batch)
                batch = []
        if (k + 1) % 10 == 0:
            console.print(f"  loaded {k + 1}/{n} outlets, {written:,} values, "
                          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    write_frames(batch)
    return facilities, time.perf_counter() - t0


def detectors_alone(facilities: list[Any]) -> tuple[float, int, int]:
    """CPU time of the detectors on the runner's hourly inputs (prepared beforehand)."""
    from ceguan.screening import DETECTORS
    from ceguan.screening.limits_for import LimitChooser
    from ceguan.screening.runner import CONTEXT, LOAD_OF, wire
    from ceguan.screening.series import load_series, series_inputs

    calls = []
    for fac in facilities:
        chooser = LimitChooser(fac)
        series = load_series(fac.pk, "hourly", None, None)
        load = series.get(LOAD_OF.get(chooser.medium, ""))
        for p, one in series.items():
            if p in CONTEXT or not one.size:
                continue
            inputs = series_inputs(one, chooser, load, series.get("o2"))
            for spec in DETECTORS.values():
                available = inputs.limited if "limit" in spec.inputs else inputs.full
                kwargs, _ = wire(spec, available)
                if kwargs is not None:
                    calls.append((spec, kwargs))
    t = time.process_time()
    episodes = sum(len(spec(**kw)) for spec, kw in calls)
    return time.process_time() - t, len(calls), episodes


def detectors_minute(n: int) -> tuple[float, int, int]:
    """CPU time of every wireable detector on the minute arrays of n outlets (in memory)."""
    from ceguan.screening import DETECTORS
    from ceguan.screening.runner import wire

    times = np.datetime64(DAY0.replace(tzinfo=None), "s") + np.arange(1440) * np.timedelta64(
        60, "s"
    )
    flags = np.full(1440, "N", dtype="<U1")
    limits = {"so2": 35.0, "nox": 50.0, "particulate": 10.0}
    calls = []
    values = 0
    for k in range(n):
        d = synth(k)
        for p in ("so2", "nox", "particulate", "o2"):
            a = {"times": times, "values": d[p], "flags": flags, "pollutant": p,
                 "interval": np.timedelta64(1, "m"), "load": d["flow"],
                 "received_at": times + np.timedelta64(90, "s")}  # fmt: skip
            if p == "o2":
                a["o2"] = d["o2"]
            if p in limits:
                a["limit"] = np.full(1440, limits[p])
            for spec in DETECTORS.values():
                kwargs, _ = wire(spec, a)
                if kwargs is not None:
                    calls.append((spec, kwargs))
        values += 1440 * len(PARAMS)
    t = time.process_time()
    episodes = sum(len(spec(**kw)) for spec, kw in calls)
    return time.process_time() - t, values, episodes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outlets", type=int, default=PROVINCE)
    ap.add_argument("--no-minutes", action="store_true", help="write only the hourly values")
    ap.add_argument("--keep", action="store_true", help="do not drop the database")
    ap.add_argument("--db", default=DB, help=f"database name (default {DB})")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="screen the data a previous --keep run left (alarms and cursors are cleared)",
    )
    args = ap.parse_args()
    console = Console(width=150)
    n = args.outlets
    db = args.db
    if not args.reuse:
        admin(f"DROP DATABASE IF EXISTS {db}")
        admin(f"CREATE DATABASE {db}")
    os.environ["CEGUAN_DATABASE_URL"] = f"{SERVER}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    import warnings

    import django

    warnings.filterwarnings("ignore", category=RuntimeWarning)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        from ceguan.registry.models import Facility
        from ceguan.screening.models import Alarm, AlarmEvent, ScreeningCursor

        if args.reuse:
            AlarmEvent.objects.all().delete()
            Alarm.objects.all().delete()
            ScreeningCursor.objects.all().delete()
            facilities, t_load = list(Facility.objects.order_by("pk")), float("nan")
            n = len(facilities)
            console.print(f"database {db}: screening the {n} outlets already loaded …")
        else:
            console.print(f"database {db} migrated; loading {n} outlets …")
            facilities, t_load = load_data(n, not args.no_minutes, console)
        from ceguan.screening.runner import screen
        from ceguan.telemetry.models import TelemetryValue

        stored = TelemetryValue.objects.count()
        t0 = time.perf_counter()
        c0 = time.process_time()
        result = screen(full=True)
        t_screen = time.perf_counter() - t0
        c_screen = time.process_time() - c0
        alarms = Alarm.objects.count()
        t_det, n_calls, n_eps = detectors_alone(facilities)
        t_min, min_values, min_eps = detectors_minute(n)
    finally:
        connection.close()
        if not (args.keep or args.reuse):
            admin(f"DROP DATABASE IF EXISTS {db}")

    scale = PROVINCE / n
    tab = Table(
        title=f"One province-day screened on PostgreSQL — measured at {n} outlets"
        f"{'' if n == PROVINCE else f', extrapolated ×{scale:g} to 1,000'} (2 cores)"
    )
    tab.add_column("measure")
    tab.add_column(f"{n} outlets", justify="right")
    tab.add_column("1,000 outlets", justify="right")
    tab.add_column("target", justify="right")
    est = "" if n == PROVINCE else " (extrap.)"
    tab.add_row(
        "values stored (minute + hourly)", f"{stored:,}", f"{round(stored * scale):,}{est}", ""
    )
    tab.add_row(
        "load through write_frames (not timed)",
        f"{t_load:.1f} s",
        f"{t_load * scale:.0f} s{est}",
        "",
    )
    tab.add_row(
        "screen(full=True) wall", f"{t_screen:.2f} s", f"{t_screen * scale:.1f} s{est}", "≤ 60 s"
    )
    tab.add_row(
        "screen(full=True) CPU of this process",
        f"{c_screen:.2f} s",
        f"{c_screen * scale:.1f} s{est}",
        "",
    )
    tab.add_row(
        "  series / episodes / alarms", f"{result.series} / {result.episodes} / {alarms}", "", ""
    )
    tab.add_row(f"detectors alone, hourly arrays ({n_calls} calls) CPU", f"{t_det:.3f} s",
                f"{t_det * scale:.2f} s{est}", "")  # fmt: skip
    tab.add_row("  episodes", str(n_eps), "", "")
    tab.add_row(f"detectors alone, minute arrays ({min_values:,} values) CPU", f"{t_min:.2f} s",
                f"{t_min * scale:.1f} s{est}", "")  # fmt: skip
    tab.add_row("  episodes", str(min_eps), "", "")
    console.print(tab)
    skipped = ", ".join(f"{k} ×{v}" for k, v in sorted(result.skipped.items()))
    console.print(f"rules skipped by the runner for want of an input: {skipped}")


if __name__ == "__main__":
    main()
