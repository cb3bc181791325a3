"""``ceguan receive [--host 0.0.0.0] [--port 9212]``: the HJ 212 receiver (TCP).

Devices' data acquisition units connect and upload (HJ 212-2017); every frame is stored before it
is answered. Limits come from the ``TELEMETRY_*`` settings (``docs/receiver.md``); the options
below override them for this process. Stops gracefully on SIGINT/SIGTERM: what was received is
stored and answered first. The open-files limit is raised to its hard limit at start (each
connection is a file descriptor).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
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

    def handle(self, *args: Any, **options: Any) -> None:
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

        def ready(host: str, port: int) -> None:
            self.stdout.write(f"listening on {host}:{port}")
            self.stdout.flush()
            sys.stdout.flush()

        asyncio.run(
            serve(
                policy,
                options["host"],
                options["port"],
                reuse_port=options["reuse_port"],
                on_ready=ready,
            )
        )
