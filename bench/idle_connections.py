"""Benchmark: memory of ``ceguan receive`` per idle connection, at 10,000 connections (not a test).

Opens N (default 10,000) TCP connections to a real ``ceguan receive`` subprocess on 127.0.0.1
(SQLite in a temporary directory), holds them idle, and reports the receiver's resident memory
(RSS) per connection, that none was refused or dropped, and the ACK round trip of one device
while all of them are open. The open-files limits of this process and of the receiver (which
raises its own soft limit to the hard limit at start) must allow N: the receiver must not be the
limit.

Run: .venv/bin/python bench/idle_connections.py [--connections N] [--hold S]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_e2e import Device, Stats, child, start_receiver, stop_receiver


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_files_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise RuntimeError("no limit")


async def hold(port: int, count: int, seconds: float, pid: int) -> dict:
    loop = asyncio.get_running_loop()
    before = rss_kib(pid)
    transports, lost = [], []
    t0 = time.perf_counter()
    for i in range(count):
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        transports.append(transport)
        if i % 500 == 499:
            await asyncio.sleep(0.05)  # let the receiver accept (listen backlog)
    connect_s = time.perf_counter() - t0
    await asyncio.sleep(seconds)
    after = rss_kib(pid)
    lost = [t for t in transports if t.is_closing()]
    # One device among the idle crowd: a frame, its 9014, five times.
    stats = Stats(measuring=True)
    device, _ = await loop.create_connection(lambda: Device(0, stats), "127.0.0.1", port)
    await asyncio.sleep(2)
    stats.stop = True
    device.close()
    for transport in transports:
        transport.close()
    return {
        "connect_s": connect_s,
        "before_kib": before,
        "after_kib": after,
        "per_conn": (after - before) * 1024 / count,
        "lost": len(lost),
        "acks": stats.acked,
        "ack_ms": 1000 * sum(stats.latencies) / max(1, len(stats.latencies)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--hold", type=float, default=5, help="seconds idle before measuring")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < args.connections + 100:
        raise SystemExit(f"hard open-files limit {hard} < {args.connections}: raise it first")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'idle.sqlite3'}"
        child("--setup", url, "--facilities", "1")
        options = ["--max-connections", str(args.connections + 100)]
        proc, port = start_receiver(url, *options, "--idle-timeout", "3600")
        try:
            limit = open_files_limit(proc.pid)
            r = asyncio.run(hold(port, args.connections, args.hold, proc.pid))
        finally:
            stop_receiver(proc)
    table = Table(title=f"ceguan receive holding {args.connections:,} idle connections")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("receiver open-files limit (after raising)", f"{limit:,}")
    table.add_row("time to open all connections", f"{r['connect_s']:.1f} s")
    table.add_row("receiver RSS before / after", f"{r['before_kib']:,} / {r['after_kib']:,} KiB")
    table.add_row("RSS per idle connection", f"{r['per_conn'] / 1024:.1f} KiB")
    table.add_row("connections refused or dropped", str(r["lost"]))
    acks = f"{r['acks']} ({r['ack_ms']:.1f} ms each)"
    table.add_row("one more device meanwhile: ACKs in 2 s", acks)
    console.print(table)


if __name__ == "__main__":
    main()
