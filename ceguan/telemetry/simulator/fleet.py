"""A fleet of simulated devices for the registry's networked facilities, run together.

:func:`load_profiles` is the only Django part (a read-only ORM query; call it before the event
loop starts). Everything a seed decides — each device's protocol version (:func:`assign_versions`)
and injected problems — depends only on (seed, facility id, start of the run), so a run can be
repeated. Injections are planned in chunks of 24 simulated hours ahead of the devices; a label is
written to the labels file (JSON lines) once the simulated clock has reached its start, so the
file lists exactly the problems the run injected.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from ceguan.hj212 import ProtocolVersion
from ceguan.telemetry.simulator.device import Device, floor_time
from ceguan.telemetry.simulator.injections import plan
from ceguan.telemetry.simulator.noise import hash_keys, stream_id
from ceguan.telemetry.simulator.runtime import Settings, SimClock, Stats
from ceguan.telemetry.simulator.series import FacilitySeries
from ceguan.telemetry.simulator.signals import FacilityProfile, SignalModel

CHUNK = timedelta(hours=24)
"""Injections are planned one simulated day at a time."""


@dataclass(frozen=True)
class FleetConfig:
    """What ``ceguan simulate`` was asked to do."""

    seed: int = 1
    speed: float = 1.0
    """Simulated seconds per real second."""
    duration: float | None = None
    """Real seconds to run; None = until interrupted."""
    backfill_hours: float = 0.0
    labels: Path | None = None
    inject_share: float = 0.3
    """Share of facilities that get injected problems."""
    share_2005: float = 0.1
    share_2025: float = 0.1
    concurrency: int = 100
    """Devices connecting or catching up (backfill) at the same time."""
    settings: Settings = field(default_factory=Settings)


def load_profiles(limit: int | None = None) -> list[FacilityProfile]:
    """Networked facilities with an MN, by id (Django ORM, read only)."""
    from ceguan.registry.models import Facility

    facilities = (
        Facility.objects.filter(networked_on__isnull=False, mn__isnull=False)
        .exclude(mn="")
        .select_related("outlet__enterprise")
        .order_by("pk")
    )
    if limit:
        facilities = facilities[:limit]
    return [
        FacilityProfile(
            f.pk, f.mn or "", f.kind, f.parameter_list, f.outlet.enterprise.industry,
            f.device_password,
        )
        for f in facilities
    ]  # fmt: skip


def assign_versions(
    profiles: Sequence[FacilityProfile], seed: int, share_2005: float, share_2025: float
) -> dict[int, ProtocolVersion]:
    """Protocol version per facility id: ``round(n × share)`` devices each speak 2005 and 2025.

    Which ones is decided by a seeded shuffle; the rest speak 2017.
    """
    order = sorted(profiles, key=lambda p: hash_keys(seed, p.facility_id, stream_id("version")))
    n = len(order)
    old = min(n, round(n * share_2005))
    new = min(n - old, round(n * share_2025))
    versions = {}
    for i, profile in enumerate(order):
        if i < old:
            versions[profile.facility_id] = ProtocolVersion.HJ212_2005
        elif i < old + new:
            versions[profile.facility_id] = ProtocolVersion.HJ212_2025
        else:
            versions[profile.facility_id] = ProtocolVersion.HJ212_2017
    return versions


class Fleet:
    """Devices for ``profiles``; :meth:`run` them until ``duration`` or a stop."""

    def __init__(
        self,
        profiles: Sequence[FacilityProfile],
        config: FleetConfig,
        *,
        clock: SimClock | None = None,
        stats: Stats | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SimClock(config.speed)
        self.stats = stats or Stats()
        origin = self.clock.now()
        backfill = timedelta(hours=config.backfill_hours)
        self.start = floor_time(origin - backfill, 600)
        self.end = (
            origin + timedelta(seconds=config.duration * config.speed) if config.duration else None
        )
        self.versions = assign_versions(profiles, config.seed, config.share_2005, config.share_2025)
        self.devices = [
            Device(
                FacilitySeries(SignalModel(p, config.seed)), self.versions[p.facility_id],
                self.clock, config.settings, self.stats, backfill=backfill,
            )
            for p in profiles
        ]  # fmt: skip
        self.stats.devices = len(self.devices)
        self.labels: list[dict[str, Any]] = []
        """Labels written so far (injections the simulated clock has reached)."""
        self._planned = -1
        self._due: list[tuple[datetime, dict[str, Any]]] = []
        self._label_file: IO[str] | None = None

    def plan_until(self, moment: datetime) -> list[dict[str, Any]]:
        """Plan every chunk that begins before ``moment``; return the new labels."""
        new: list[dict[str, Any]] = []
        while True:
            chunk = self._planned + 1
            begin = self.start + CHUNK * chunk
            if begin >= moment or (self.end is not None and begin >= self.end):
                break
            finish = begin + CHUNK if self.end is None else min(begin + CHUNK, self.end)
            for device in self.devices:
                model = device.series.model
                injections = plan(
                    model, self.config.seed, begin, finish,
                    share=self.config.inject_share, chunk=chunk,
                )  # fmt: skip
                device.series.extend(injections)
                for injection in injections:
                    label = injection.label(model.profile)
                    new.append(label)
                    self._due.append((injection.start, label))
            self._planned = chunk
        self._due.sort(key=lambda item: item[0])
        return new

    def write_labels(self, upto: datetime) -> None:
        """Write the labels of injections that start before ``upto``."""
        count = next((i for i, (start, _) in enumerate(self._due) if start >= upto), None)
        ready = self._due[: len(self._due) if count is None else count]
        del self._due[: len(ready)]
        for _, label in ready:
            self.labels.append(label)
            if self._label_file is not None:
                self._label_file.write(json.dumps(label, ensure_ascii=False) + "\n")
        if ready and self._label_file is not None:
            self._label_file.flush()

    async def run(self, stop: asyncio.Event | None = None) -> Stats:
        """Run every device until ``stop`` is set or ``duration`` real seconds have passed."""
        stop = stop or asyncio.Event()
        gate = asyncio.Semaphore(max(1, self.config.concurrency))
        path = self.config.labels
        self._label_file = path.open("w", encoding="utf-8") if path else None
        try:
            self.plan_until(self.clock.now() + CHUNK)
            tasks = [asyncio.create_task(d.run(stop, gate)) for d in self.devices]
            planner = asyncio.create_task(self._keep_planning(stop))
            if self.config.duration is not None:
                asyncio.get_running_loop().call_later(self.config.duration, stop.set)
            try:
                await asyncio.gather(*tasks)
            finally:
                stop.set()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                planner.cancel()
                await asyncio.gather(planner, return_exceptions=True)
                self.write_labels(self.clock.now())
        finally:
            if self._label_file is not None:
                self._label_file.close()
                self._label_file = None
        return self.stats

    async def _keep_planning(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            now = self.clock.now()
            self.plan_until(now + CHUNK)
            self.write_labels(now)
            await asyncio.sleep(0.5)
