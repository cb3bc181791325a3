"""``ceguan live``: the whole platform on one machine, with simulated devices sending data.

Starts the HJ 212 receiver, the web UI and the device simulator as child processes, and every few
minutes refreshes the derived telemetry (hourly values, rates, online state) and screens the new
data into alarms, until Ctrl-C.
This is what ``make demo`` runs after building the demo province.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Run receiver, web UI and simulated devices together (the live demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--web-port", type=int, default=8000)
        parser.add_argument("--receiver-port", type=int, default=9212)
        parser.add_argument(
            "--backfill-hours",
            type=float,
            default=1.5,
            help="history sent at start; more than the late-data tolerance (2 h) shows as late",
        )
        parser.add_argument("--devices", type=int, default=200, help="simulated facilities")
        parser.add_argument("--refresh-minutes", type=float, default=5.0)
        parser.add_argument("--no-simulator", action="store_true")

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "ceguan", *args])  # noqa: S603

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        receiver_port = str(options["receiver_port"])
        children = [
            self._spawn("receive", "--host", "127.0.0.1", "--port", receiver_port),
            self._spawn("serve", "--no-migrate", "--port", str(options["web_port"])),
        ]
        if not options["no_simulator"]:
            time.sleep(2)  # let the receiver bind first
            labels = settings.VAR_DIR / "simulator-labels.jsonl"
            simulate = [
                "simulate", "--port", receiver_port, "--limit", str(options["devices"]),
                "--backfill-hours", str(options["backfill_hours"]), "--labels", str(labels),
            ]  # fmt: skip
            children.append(self._spawn(*simulate))
        self.stdout.write(
            self.style.SUCCESS(
                f"Ceguan live: web http://127.0.0.1:{options['web_port']}/ · "
                f"HJ 212 receiver 127.0.0.1:{receiver_port} · Ctrl-C stops everything"
            )
        )
        stop = False

        def _stop(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        first = time.monotonic() + 60  # let the simulator's backfill arrive before the first pass
        try:
            while not stop and all(child.poll() is None for child in children):
                deadline = first if first else time.monotonic() + 60 * options["refresh_minutes"]
                first = 0.0
                while not stop and time.monotonic() < deadline:
                    if any(child.poll() is not None for child in children):
                        break
                    time.sleep(1)
                if not stop:
                    self._refresh()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _refresh(self) -> None:
        from ceguan.screening.runner import run_due
        from ceguan.telemetry.aggregates import refresh, update_links

        today = timezone.localdate()
        refresh(today - timedelta(days=1), today)
        update_links()
        run_due()
