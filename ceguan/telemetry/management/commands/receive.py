"""``ceguan receive [--host 0.0.0.0] [--port 9212] [--processes N]``: the HJ 212 receiver (TCP).

Devices' data acquisition units connect and upload (HJ 212-2017); every frame is stored before it
is answered. Limits come from the ``TELEMETRY_*`` settings (``docs/receiver.md``); the options
below override them for this process. Stops gracefully on SIGINT/SIGTERM: what was received is
stored and answered first. The open-files limit is raised to its hard limit at start (each
connection is a file descriptor).

``--processes N`` (one per core) starts N − 1 more receivers sharing the port (SO_REUSEPORT; the
kernel spreads connections over them) once this one listens, and stops them when it stops.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from ceguan.telemetry.receiver.housekeeping import maintain_database
from ceguan.telemetry.receiver.policy import Policy
from ceguan.telemetry.receiver.server import serve

log = logging.getLogger("ceguan.telemetry.receiver")

#: Option → Policy field (only those given are overridden).
OVERRIDES = {
    "max_connections": "max_connections",
    "max_frames_per_second": "max_frames_per_second",
    "batch_max": "batch_max",
    "batch_wait_ms": "batch_wait_ms",
    "idle_timeout": "idle_timeout_seconds",
}


def raise_open_files_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns (soft, hard) now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-files limit from %d: %s", soft, exc)
    return soft, hard


class Command(BaseCommand):
    help = "Receive HJ 212 data from monitoring devices over TCP (ack after commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="address to listen on")  # noqa: S104
        parser.add_argument("--port", type=int, default=9212, help="TCP port (0: any free)")
        parser.add_argument("--max-connections", type=int)
        parser.add_argument("--max-frames-per-second", type=float)
        parser.add_argument("--batch-max", type=int)
        parser.add_argument("--batch-wait-ms", type=float)
        parser.add_argument("--idle-timeout", type=float, help="seconds")
        parser.add_argument(
            "--reuse-port",
            action="store_true",
            help="share the port with other `ceguan receive` processes (SO_REUSEPORT)",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="receivers sharing the port, this one included (one per core)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["processes"] < 1:
            raise CommandError(f"--processes must be 1 or more, not {options['processes']}")
        overrides = {
            field: options[option]
            for option, field in OVERRIDES.items()
            if options.get(option) is not None
        }
        policy = Policy.from_settings(**overrides)
        soft, _hard = raise_open_files_limit()
        if soft < policy.max_connections + 64:
            log.warning(
                "open-files limit %d is below max_connections %d: raise `ulimit -n`",
                soft,
                policy.max_connections,
            )
        created = maintain_database()
        if created:
            log.info("partitions created: %s", ", ".join(created))
        connections.close_all()  # the main thread needs no connection; the writer opens its own
        processes = options["processes"]
        others: list[subprocess.Popen[bytes]] = []

        def ready(host: str, port: int) -> None:
            others.extend(start_others(processes - 1, host, port, options))
            self.stdout.write(f"listening on {host}:{port}")
            self.stdout.flush()
            sys.stdout.flush()

        try:
            asyncio.run(
                serve(
                    policy,
                    options["host"],
                    options["port"],
                    reuse_port=options["reuse_port"] or processes > 1,
                    on_ready=ready,
                )
            )
        finally:
            stop_others(others)


def start_others(
    count: int, host: str, port: int, options: dict[str, Any]
) -> list[subprocess.Popen[bytes]]:
    """``count`` more receivers on ``host:port`` with this one's options (SO_REUSEPORT),
    returned once each of them listens (so "listening on" means all of them do)."""
    command = [sys.executable, "-m", "ceguan", "receive", "--host", host, f"--port={port}"]
    command.append("--reuse-port")
    for option in OVERRIDES:
        if options.get(option) is not None:
            command.append(f"--{option.replace('_', '-')}={options[option]}")
    started = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(count)]  # noqa: S603
    for proc in started:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        proc.stdout.close()
        if not line.startswith("listening on "):
            stop_others(started)
            raise CommandError(f"a receiver sharing port {port} did not start: {line!r}")
    if started:
        log.info("%d more receivers on port %d: pids %s", count, port, [p.pid for p in started])
    return started


def stop_others(others: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:
    """Stop the other receivers gracefully (each stores and answers what it received)."""
    for proc in others:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in others:
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if code:
            log.warning("receiver pid %d ended with exit code %d", proc.pid, code)
