"""Benchmark: HJ 212 frames per second end to end through ``ceguan receive`` (not a test).

N simulated devices (default 1000 connections, each an asyncio client) send minute uploads
(CN 2051, six pollutants, Flag=5) to a real ``ceguan receive`` subprocess on 127.0.0.1 and wait
for each 9014 — sent only after the frame is committed — before sending the next. Reported:
sustained frames/s over the measuring window, ACK latency p50/p99, the CPU the receiver(s), the
PostgreSQL backends serving them and the load generator used — also per frame, which says what
the same code would reach on idle cores when the machine is shared — and the load average. Run
against SQLite (a file in a temporary directory) and PostgreSQL (a fresh database
``ceguan_bench``, dropped afterwards). Target: ≥ 5,000 frames/s on 2 cores. ``--repeat N`` runs
each database N times (each on a fresh database) and reports the median and the range.

Run: .venv/bin/python bench/ingest_e2e.py [--connections N] [--seconds S] [--db sqlite,postgres]
     [--receivers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ceguan.hj212 import BEIJING, PollutantRecord, build_cp, crc_hj212, format_crc

TARGET = 5_000
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/ceguan_bench"
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=BEIJING)
CP = build_cp(
    pollutants=[
        PollutantRecord("a21026", cou=3.1, min=12.1, avg=25.5, max=41.3, zs_avg=30.2, flag="N"),
        PollutantRecord("a21002", cou=6.2, min=40.0, avg=61.7, max=95.7, zs_avg=80.1, flag="N"),
        PollutantRecord("a34013", cou=0.511, min=2.1, avg=4.4, max=9.9, zs_avg=7.4, flag="N"),
        PollutantRecord("a19001", min=8.9, avg=9.6, max=11.2, flag="N"),
        PollutantRecord("a01012", min=120.0, avg=131.0, max=141.0, flag="N"),
        PollutantRecord("a00000", cou=151234.5, min=51.0, avg=55.5, max=61.4, flag="N"),
    ]
)


# --- database set-up (runs in a child process: Django is configured once per process) ---------


def _django(url: str) -> None:
    os.environ["CEGUAN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    import django

    django.setup()


def setup_database(url: str, facilities: int) -> None:
    """Migrate the database at ``url`` and register ``facilities`` devices MN BENCH000000000…"""
    _django(url)
    from django.core.management import call_command

    from ceguan.registry.models import Facility, Outlet, Region
    from tests.conftest import make_enterprise

    call_command("migrate", verbosity=0)
    city = Region.objects.get(code="620100")
    outlets = []
    for _ in range((facilities + 99) // 100):
        enterprise = make_enterprise(city)
        outlets += [
            Outlet(enterprise=enterprise, code=f"DA{n:03d}", medium="air") for n in range(1, 101)
        ]
    Outlet.objects.bulk_create(outlets[:facilities])
    Facility.objects.bulk_create(
        Facility(outlet=o, kind="cems", mn=mn(i), device_password="123456", operation_mode="self")
        for i, o in enumerate(Outlet.objects.order_by("pk")[:facilities])
    )


def count_frames(url: str) -> int:
    _django(url)
    from ceguan.telemetry.models import RawFrame

    return RawFrame.objects.filter(outcome="stored").count()


def mn(i: int) -> str:
    return f"BENCH{i:09d}"


def child(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=REPO
    )
    return out.stdout.strip()


def _postgres(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def prepare(db: str, workdir: Path, facilities: int) -> str:
    url = f"sqlite:///{workdir / 'bench.sqlite3'}" if db == "sqlite" else PG_BENCH
    if db == "postgres":
        drop(db)
        _postgres("CREATE DATABASE ceguan_bench")
    child("--setup", url, "--facilities", str(facilities))
    return url


def drop(db: str) -> None:
    if db == "postgres":
        _postgres("DROP DATABASE IF EXISTS ceguan_bench WITH (FORCE)")


# --- the receiver ---------------------------------------------------------------------------


def start_receiver(url: str, *options: str, port: int = 0) -> tuple[subprocess.Popen[bytes], int]:
    env = os.environ | {"CEGUAN_DATABASE_URL": url, "CEGUAN_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "ceguan", "receive", "--host", "127.0.0.1", f"--port={port}"]
    proc = subprocess.Popen([*command, *options], stdout=subprocess.PIPE, env=env, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"receiver did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def start_receivers(
    url: str, count: int, *options: str
) -> tuple[subprocess.Popen[bytes], int, list[int]]:
    """``ceguan receive --processes count``: the parent, the port and every receiver's pid."""
    proc, port = start_receiver(url, f"--processes={count}", *options)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return proc, port, [proc.pid, *map(int, children)]


def stop_receiver(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone (a PostgreSQL backend that closed)
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(db: str) -> list[int]:
    """PostgreSQL server processes serving the benchmark database (not other people's)."""
    if db != "postgres":
        return []
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = 'ceguan_bench'"
        ).fetchall()
    return [pid for (pid,) in rows]


# --- the load -------------------------------------------------------------------------------


@dataclass
class Stats:
    measuring: bool = False
    stop: bool = False
    acked: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


_STAMPS: list[tuple[str, str]] = []


def minute_stamps(k: int) -> tuple[str, str]:
    """(QN, DataTime) of the k-th minute after T0, formatted once for all devices: the load
    generator shares the machine with the receiver, so what it spends is taken from it."""
    while len(_STAMPS) <= k:
        data_time = T0 + timedelta(minutes=len(_STAMPS))
        qn = (data_time + timedelta(seconds=30)).strftime("%Y%m%d%H%M%S") + "000"
        _STAMPS.append((qn, data_time.strftime("%Y%m%d%H%M%S")))
    return _STAMPS[k]


class Device(asyncio.Protocol):
    """One simulated data acquisition unit: send a minute frame, wait for its 9014, repeat."""

    def __init__(self, number: int, stats: Stats) -> None:
        self.mn = mn(number)
        self.stats = stats
        self.k = 0
        self.buf = b""
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send_next()

    def frame(self) -> bytes:
        qn, data_time = minute_stamps(self.k)
        self.k += 1
        segment = (
            f"QN={qn};ST=31;CN=2051;PW=123456;MN={self.mn};Flag=5;CP=&&DataTime={data_time};{CP}&&"
        ).encode()
        return b"##%04d%b%b\r\n" % (len(segment), segment, format_crc(crc_hj212(segment)))

    def send_next(self) -> None:
        if self.stats.stop or self.transport is None or self.transport.is_closing():
            return
        raw = self.frame()
        self.sent_at = time.perf_counter()
        self.transport.write(raw)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n" in self.buf:
            reply, self.buf = self.buf.split(b"\r\n", 1)
            if b"CN=9014" in reply:
                if self.stats.measuring:
                    self.stats.acked += 1
                    self.stats.latencies.append(time.perf_counter() - self.sent_at)
            else:
                self.stats.errors += 1
            self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stats.errors += not self.stats.stop


async def load(
    port: int, connections: int, warmup: float, seconds: float, pids: list[int], db: str
) -> dict:
    loop = asyncio.get_running_loop()
    stats = Stats()
    transports = []
    for i in range(connections):
        transport, _ = await loop.create_connection(lambda i=i: Device(i, stats), "127.0.0.1", port)
        transports.append(transport)
    await asyncio.sleep(warmup)
    backends = backend_pids(db)
    stats.measuring = True
    cpu0, own0, t0 = sum(map(cpu_seconds, pids)), time.process_time(), time.perf_counter()
    pg0 = sum(map(cpu_seconds, backends))
    load0 = os.getloadavg()[0]
    await asyncio.sleep(seconds)
    stats.measuring, stats.stop = False, True
    elapsed = time.perf_counter() - t0
    cpu, own = sum(map(cpu_seconds, pids)) - cpu0, time.process_time() - own0
    pg = sum(map(cpu_seconds, backends)) - pg0
    load1 = os.getloadavg()[0]
    await asyncio.sleep(1)
    for transport in transports:
        transport.close()
    lat = sorted(stats.latencies) or [float("nan")]
    frames = max(stats.acked, 1)
    return {
        "rate": stats.acked / elapsed,
        "p50": statistics.median(lat) * 1000,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "receiver_cpu": cpu / elapsed,
        "client_cpu": own / elapsed,
        "pg_cpu": pg / elapsed,
        "us_receiver": cpu / frames * 1e6,
        "us_pg": pg / frames * 1e6,
        "us_load": own / frames * 1e6,
        "loadavg": (load0 + load1) / 2,
        "errors": stats.errors,
    }


def run_once(db: str, args: argparse.Namespace, options: list[str]) -> dict:
    """One measurement on a fresh database; adds the number of frames stored."""
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare(db, Path(tmp), args.connections)
        proc, port, pids = start_receivers(url, args.receivers, *options)
        try:
            r = asyncio.run(load(port, args.connections, args.warmup, args.seconds, pids, db))
        finally:
            stop_receiver(proc)  # stops the others too
        r["stored"] = int(child("--count", url))
        drop(db)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--receivers", type=int, default=1, help="`ceguan receive --processes`")
    parser.add_argument("--repeat", type=int, default=1, help="runs per database")
    parser.add_argument("--receiver-options", default="", help="extra `ceguan receive` options")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--count", help=argparse.SUPPRESS)
    parser.add_argument("--facilities", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return setup_database(args.setup, args.facilities)
    if args.count:
        return print(count_frames(args.count))
    from rich.console import Console
    from rich.table import Table

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    console = Console(width=150)
    title = f"ceguan receive ×{args.receivers}, {args.connections} devices, {os.cpu_count()} cores"
    table = Table(title=title)
    for column in ("database", "frames/s", "ACK p50 ms", "p99 ms", "CPU receiver", "CPU PG",
                   "CPU load", "µs/frame rcv+PG+load", "load avg", "stored", "errors",
                   "target"):  # fmt: skip
        table.add_column(column, justify="right")
    options = ["--max-connections", str(args.connections + 100), *args.receiver_options.split()]
    summary = []
    for db in args.db.split(","):
        runs = []
        for n in range(args.repeat):
            console.print(f"[bold]{db}[/] run {n + 1}/{args.repeat}: {args.connections} devices …")
            r = run_once(db, args, options)
            runs.append(r)
            verdict = "[green]OK[/]" if r["rate"] >= TARGET else "[red]below[/]"
            table.add_row(
                db, f"{r['rate']:,.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}",
                f"{r['receiver_cpu']:.2f}", f"{r['pg_cpu']:.2f}", f"{r['client_cpu']:.2f}",
                f"{r['us_receiver']:.0f}+{r['us_pg']:.0f}+{r['us_load']:.0f}",
                f"{r['loadavg']:.1f}", f"{r['stored']:,}", str(r["errors"]), verdict,
            )  # fmt: skip
        summary.append((db, runs))
    console.print(table)
    for db, runs in summary:
        if len(runs) > 1:
            rates = sorted(r["rate"] for r in runs)
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "errors"}
            console.print(
                f"{db}: median {med['rate']:,.0f} frames/s (range {rates[0]:,.0f}–{rates[-1]:,.0f}"
                f", {len(runs)} runs), ACK p50 {med['p50']:.0f} ms, p99 {med['p99']:.0f} ms, "
                f"CPU per frame {med['us_receiver']:.0f} µs receiver + {med['us_pg']:.0f} µs "
                f"PostgreSQL + {med['us_load']:.0f} µs load, load average {med['loadavg']:.1f}"
            )


if __name__ == "__main__":
    main()
