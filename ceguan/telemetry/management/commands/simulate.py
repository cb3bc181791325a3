"""``ceguan simulate``: virtual CEMS and water devices sending HJ 212 data to a receiver.

One device per networked facility with an MN (``--limit`` the first N by id). Each speaks HJ 212
(2017; ``--share-2005``/``--share-2025`` of them the older or newer edition), uploads minute
(2051, every ``--min-interval`` minutes) and hourly (2061) data, with Flag A and re-sends, and
answers the platform's commands. Examples::

    ceguan simulate --backfill-hours 24 --limit 20              # a day of history, then live
    ceguan simulate --speed 60 --duration 600 --labels var/labels.jsonl --inject-share 0.5

``--speed X`` runs X simulated seconds per real second: live data times then run ahead of the
wall clock. ``--labels`` receives the ground truth of injected problems, one JSON object a line:
``{"mn", "facility_id", "pollutant", "kind", "start", "end", "parameters"}``.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.live import Live
from rich.text import Text

from ceguan.hj212.platform_commands import MIN_INTERVALS
from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator import Fleet, FleetConfig, Settings, Stats, load_profiles


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise ValueError(value)
    return share


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


def status(fleet: Fleet) -> Text:
    """The one-line live status."""
    s: Stats = fleet.stats
    now = fleet.clock.now().astimezone(BEIJING)
    text = Text()
    text.append("● " if s.connected else "○ ", style="green" if s.connected else "red")
    text.append(f"{s.connected}/{s.devices} connected · sent {s.sent} · acked {s.acked} · ")
    text.append(f"resent {s.resent}", style="yellow" if s.resent else "")
    text.append(f" · rejected {s.rejected}", style="red" if s.rejected else "")
    text.append(f" · commands {s.commands} · reconnects {s.reconnects} · ")
    text.append(f"errors {s.errors}", style="red" if s.errors else "")
    text.append(f" · sim {now:%Y-%m-%d %H:%M:%S} ×{fleet.clock.speed:g}")
    if s.last_error:
        text.append(f"\n  last error: {s.last_error}", style="dim")
    return text


class Command(BaseCommand):
    help = (
        "Run virtual HJ 212 devices (CEMS, water) for the networked facilities against a receiver."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add = parser.add_argument
        add("--host", default="127.0.0.1", help="receiver host (default 127.0.0.1)")
        add("--port", type=int, default=9212, help="receiver port (default 9212)")
        add("--limit", type=int, help="simulate only the first N facilities (by id)")
        add("--duration", type=_positive, help="stop after S real seconds (default: run on)")
        add("--speed", type=_positive, default=1.0, help="simulated seconds per real second")
        add("--backfill-hours", type=float, default=0.0, help="first send the last H hours")
        add("--labels", type=Path, help="write injected problems (ground truth) here, JSON lines")
        add("--inject-share", type=_share, default=0.3, help="share of facilities with problems")
        add("--seed", type=int, default=1, help="seed of signals, versions and injections")
        add("--share-2005", type=_share, default=0.1, help="share of HJ/T 212-2005 devices")
        add("--share-2025", type=_share, default=0.1, help="share of HJ 212-2025 devices")
        add(
            "--min-interval",
            type=int,
            default=10,
            choices=sorted(MIN_INTERVALS),
            help="minutes per 2051 upload",
        )
        add("--realtime", action="store_true", help="also send 2011 real-time data")
        add("--rtd-interval", type=int, default=30, help="real-time interval, simulated s")
        add("--ack-timeout", type=_positive, default=10.0, help="OverTime, real seconds")
        add("--retries", type=int, default=3, help="ReCount: re-sends before reconnecting")
        add("--window", type=int, default=8, help="unacknowledged uploads per device")
        add("--rate", type=float, default=40.0, help="frames per second per device at most")
        add("--concurrency", type=int, default=100, help="devices connecting/backfilling at once")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["backfill_hours"] < 0:
            raise CommandError("--backfill-hours must not be negative")
        profiles = load_profiles(options["limit"])  # the ORM, before the event loop starts
        if not profiles:
            raise CommandError("no networked facility with an MN in the registry")
        settings = Settings(
            host=options["host"], port=options["port"], ack_timeout=options["ack_timeout"],
            retries=options["retries"], window=max(1, options["window"]),
            min_interval=options["min_interval"], realtime=options["realtime"],
            rtd_interval=options["rtd_interval"], max_rate=options["rate"],
        )  # fmt: skip
        config = FleetConfig(
            seed=options["seed"], speed=options["speed"], duration=options["duration"],
            backfill_hours=options["backfill_hours"], labels=options["labels"],
            inject_share=options["inject_share"], share_2005=options["share_2005"],
            share_2025=options["share_2025"], concurrency=options["concurrency"],
            settings=settings,
        )  # fmt: skip
        console = Console(file=self.stdout, highlight=False)
        fleet = Fleet(profiles, config)
        with suppress(KeyboardInterrupt):  # Ctrl-C: stop and print the totals
            asyncio.run(self._run(fleet, console))
        console.print(status(fleet))
        if fleet.labels:
            where = f" → {config.labels}" if config.labels else ""
            console.print(f"{len(fleet.labels)} injected problems{where}")

    async def _run(self, fleet: Fleet, console: Console) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(fleet.run(stop))
        with Live(status(fleet), console=console, refresh_per_second=4, transient=True) as live:
            try:
                while not task.done():
                    live.update(status(fleet))
                    await asyncio.wait({task}, timeout=0.25)
            finally:
                stop.set()
                await asyncio.gather(task, return_exceptions=True)
        task.result()
