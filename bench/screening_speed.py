"""Benchmark: values screened per second by each registered detector, on one core (not a test).

A synthetic minute series of 30 days (1,440 × 30 = 43,200 values) with a daily load cycle, an SO2
series that follows the load, an anti-correlated O2, a few maintenance marks, receive times and
one revision per value. Each detector runs ``--repeat`` times; the best CPU time is reported as
values per CPU-second. Target for the simple detectors (one pass, no windows): ≥ 20 million/s.

Run: .venv/bin/python bench/screening_speed.py [--days N] [--repeat R]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ceguan.screening import DETECTORS

TARGET = 20_000_000
#: One pass over the values, no rolling windows: these must meet TARGET.
SIMPLE = {
    "exceedance",
    "constant_run",
    "zero_or_negative",
    "out_of_range",
    "missing_data",
    "late_data",
    "marked_hours_over_norm",
    "marking_hides_exceedance",
    "o2_ambient_while_running",
    "reported_while_stopped",
}


def make_data(days: int, seed: int = 212) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n = 1440 * days
    times = np.datetime64("2026-01-01T00:00", "s") + np.arange(n) * np.timedelta64(60, "s")
    minute = np.arange(n) % 1440
    load = 70 + 25 * np.sin(2 * np.pi * minute / 1440) + rng.normal(0, 2, n)
    so2 = 0.3 * load + rng.normal(0, 1.5, n)
    o2 = 12 - 0.05 * load + rng.normal(0, 0.2, n)
    flags = np.full(n, "N", dtype="<U1")
    flags[rng.choice(n, n // 50, replace=False)] = "M"
    so2[rng.choice(n, n // 100, replace=False)] = np.nan
    received = times + np.timedelta64(30, "s") + rng.integers(0, 60, n).astype("timedelta64[s]")
    revised = so2 + rng.normal(0, 0.5, n)
    return {
        "times": times,
        "values": so2,
        "flags": flags,
        "load": load,
        "o2": o2,
        "received_at": received,
        "revised": revised,
        "inspections": times[:: 1440 * 7],
    }


def calls(d: dict[str, Any]) -> dict[str, Callable[[], object]]:
    """One call per rule id with the synthetic series (minute data: windows of one hour)."""
    series = (d["times"], d["values"], d["flags"])
    o2 = (d["times"], d["o2"], d["flags"])
    minute = np.timedelta64(1, "m")
    f = {rule: spec.function for rule, spec in DETECTORS.items()}
    return {
        "exceedance": lambda: f["exceedance"](*series, pollutant="so2", limit=35.0),
        "constant_run": lambda: f["constant_run"](*series, pollutant="so2"),
        "zero_or_negative": lambda: f["zero_or_negative"](*series, pollutant="so2", load=d["load"]),
        "out_of_range": lambda: f["out_of_range"](*series, pollutant="so2", range_max=200.0),
        "missing_data": lambda: f["missing_data"](
            d["times"], d["values"], pollutant="so2", interval=minute
        ),
        "late_data": lambda: f["late_data"](d["times"], d["received_at"], pollutant="so2"),
        "step_change": lambda: f["step_change"](*series, pollutant="so2", window=60),
        "step_at_inspection": lambda: f["step_at_inspection"](
            *series, pollutant="so2", inspections=d["inspections"], window=60
        ),
        "copied_segment": lambda: f["copied_segment"](*series, pollutant="so2", block=60),
        "low_variance": lambda: f["low_variance"](*series, pollutant="so2", window=60),
        "bunching_under_limit": lambda: f["bunching_under_limit"](
            *series, pollutant="so2", limit=35.0
        ),
        "o2_pinned": lambda: f["o2_pinned"](*o2, load=d["load"], window=60),
        "o2_load_correlation": lambda: f["o2_load_correlation"](*o2, load=d["load"], window=60),
        "o2_ambient_while_running": lambda: f["o2_ambient_while_running"](*o2, load=d["load"]),
        "load_coupling_lost": lambda: f["load_coupling_lost"](
            *series, pollutant="so2", load=d["load"], window=60
        ),
        "flat_while_load_swings": lambda: f["flat_while_load_swings"](
            *series, pollutant="so2", load=d["load"], window=60
        ),
        "reported_while_stopped": lambda: f["reported_while_stopped"](
            *series, pollutant="so2", load=d["load"]
        ),
        "process_swings_lost": lambda: f["process_swings_lost"](
            *series, pollutant="so2", load=d["load"], window=60
        ),
        "minute_jumps_rose": lambda: f["minute_jumps_rose"](
            *series, pollutant="so2", interval=minute, load=d["load"]
        ),
        "marks_at_high_load": lambda: f["marks_at_high_load"](
            d["times"], d["flags"], load=d["load"]
        ),
        "marked_hours_over_norm": lambda: f["marked_hours_over_norm"](
            d["times"], d["flags"], interval=minute, norm_hours=60.0
        ),
        "marking_hides_exceedance": lambda: f["marking_hides_exceedance"](
            *series, pollutant="so2", limit=35.0
        ),
        "backdated_rewrite": lambda: f["backdated_rewrite"](
            d["times"], d["values"], d["revised"], d["received_at"] + np.timedelta64(3, "h"),
            pollutant="so2", limit=35.0,
        ),
        "clock_drift": lambda: f["clock_drift"](d["times"], d["received_at"]),
    }  # fmt: skip


def best_cpu(call: Callable[[], object], repeat: int) -> tuple[float, int]:
    best, found = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        result = call()
        best = min(best, time.process_time() - start)
        found = len(result)  # type: ignore[arg-type]
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data = make_data(args.days)
    n = data["times"].size
    table = calls(data)
    missing = sorted(set(DETECTORS) - set(table))
    print(f"{n:,} values per series, best of {args.repeat} runs, CPU time of this process\n")
    print(f"{'rule id':<26} {'ms/call':>9} {'values/s':>14} {'episodes':>9}  target")
    for rule in DETECTORS:
        if rule not in table:
            continue
        seconds, found = best_cpu(table[rule], args.repeat)
        rate = n / max(seconds, 1e-9)
        verdict = ("ok" if rate >= TARGET else "BELOW") if rule in SIMPLE else "-"
        print(f"{rule:<26} {seconds * 1e3:>9.2f} {rate:>14,.0f} {found:>9}  {verdict}")
    if missing:
        print(f"\nnot benchmarked (no call defined): {', '.join(missing)}")


if __name__ == "__main__":
    main()
