"""A deterministic signal model per facility: what its instruments read at each minute (pure).

A stack (CEMS) follows its plant's **load**: a daily and weekly cycle plus slow swings, start-ups
and shutdowns (continuous plants stop on rare days; shift plants start at 07:00, stop at 20:30 and
rest on Sundays). Flow follows load, O2 moves against it, concentrations are coupled to it with
autocorrelated log-normal noise. A water outlet follows its **flow ratio**: a daily cycle (peak
late morning, trough before dawn); COD, NH3-N … follow the flow with a treatment lag. Values are
in the units of ``POLLUTANT_CODES`` (mg/m³, %, m³/s, °C, L/s, mg/L …). Parameters and the figures
they were calibrated on are in :mod:`ceguan.telemetry.simulator.plants`.

Every value is a function of (seed, facility, minute) — see :mod:`~.noise` — so the series can be
read at any minute in any order and a seed reproduces it exactly.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from ceguan.hj212.codes import POLLUTANT_CODES, Medium, PollutantCode
from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator import plants as p
from ceguan.telemetry.simulator.noise import Texture, hash_keys, smooth, stream_id, unit

_LOAD, _OUT, _LEVEL = stream_id("load"), stream_id("outage"), stream_id("level")
_BJ = 480  # Beijing is UTC+8: minutes added to an epoch minute to get local time
_AIR_MEDIA = (Medium.GAS, Medium.AMBIENT)


class Phase(StrEnum):
    """What the plant is doing."""

    RUN = "run"
    STARTUP = "startup"
    SHUTDOWN = "shutdown"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class FacilityProfile:
    """What the simulator needs to know about one facility (read from the registry)."""

    facility_id: int
    mn: str
    kind: str
    """``cems``, ``water_analyzers`` or ``flow_meter`` (registry ``FacilityKind``)."""
    parameters: tuple[str, ...]
    """Glossary names of what it measures (``Facility.parameter_list``)."""
    industry: str = "other"
    password: str = ""

    @property
    def gas(self) -> bool:
        return self.kind == "cems"


@dataclass(frozen=True, slots=True)
class Sample:
    """One minute of readings: values in protocol units and the data flag of each."""

    minute: int
    """Epoch minute (``timestamp // 60``) the reading belongs to."""
    values: dict[str, float]
    flags: dict[str, str]
    driver: float
    """Load fraction (stack, 0 when off) or flow ratio (water, ≈ 1)."""
    phase: Phase


def minute_of(moment: datetime) -> int:
    """The epoch minute containing an aware datetime."""
    return int(moment.timestamp()) // 60


def at_minute(minute: int) -> datetime:
    """The start of an epoch minute, in Beijing time."""
    return datetime.fromtimestamp(minute * 60, BEIJING)


@lru_cache(maxsize=512)
def factor_for(name: str, gas: bool) -> PollutantCode | None:
    """The HJ 212-2017 factor-table row of a glossary name in the facility's medium."""
    media = _AIR_MEDIA if gas else (Medium.WATER,)
    return next(
        (r for r in POLLUTANT_CODES.values() if r.name == name and r.code == r.code_2017
         and r.medium in media),
        None,
    )  # fmt: skip


class SignalModel:
    """The readings of one facility's instruments, minute by minute, for a seed."""

    def __init__(self, profile: FacilityProfile, seed: int) -> None:
        self.profile = profile
        self.seed = hash_keys(seed, profile.facility_id)
        self.plant = p.PLANTS.get(profile.industry, p.DEFAULT_PLANT)
        self.gas = profile.gas
        self.reference = p.AIR_REFERENCE if self.gas else 1.0
        self.load_mean = self._draw(p.LOAD_MEAN, _LOAD)
        self.diurnal = (
            self.plant.diurnal if self.gas else max(self.plant.diurnal, p.WATER_DIURNAL_MIN)
        )
        self.specs = {}
        self.levels = {}
        for name in profile.parameters:
            row = factor_for(name, self.gas)
            spec = p.spec_for(name, self.gas, row.unit if row else None)
            self.specs[name] = spec
            self.levels[name] = self._level(name, spec)
        self._cache: OrderedDict[int, Sample] = OrderedDict()

    def _draw(self, bounds: tuple[float, float], *keys: int) -> float:
        low, high = bounds
        return low + (high - low) * unit(self.seed, *keys)

    def _level(self, name: str, spec: p.Spec) -> float:
        plant = self.plant
        special = {
            "o2": (plant.o2 - 0.5, plant.o2 + 0.5),
            "temperature": (plant.temperature - 5.0, plant.temperature + 5.0),
            "humidity": (plant.humidity - 1.0, plant.humidity + 1.0),
            "flow": plant.flow,
            "water_flow": plant.water_flow,
        }
        bounds = special.get(name, (spec.low, spec.high)) if spec.low == spec.high else None
        return self._draw(bounds or (spec.low, spec.high), _LEVEL, stream_id(name))

    # --- the driver: load (stack) or flow ratio (water) -----------------------------------

    def state(self, minute: int) -> tuple[float, Phase, int]:
        """(driver, phase, minutes since the phase began) at an epoch minute."""
        local = minute + _BJ
        phase, since = self._schedule(local)
        if phase is Phase.OFF:
            return (0.0 if self.gas else 0.02), phase, since
        driver = self._running(minute, local)
        if phase is Phase.STARTUP:
            driver *= 0.3 + 0.7 * since / 120
        elif phase is Phase.SHUTDOWN:
            driver *= 1.0 - since / 30
        return driver, phase, since

    def _running(self, minute: int, local: int) -> float:
        hour = (local % 1440) / 60.0
        h, f = int(hour), hour - int(hour)
        cycle = (1 - f) * p.DAY_SHAPE[h] + f * p.DAY_SHAPE[(h + 1) % 24]
        weekend = (local // 1440 + 3) % 7 >= 5
        if not self.gas:
            cycle = _water_cycle(hour)
            slow = 0.05 * smooth(self.seed, _LOAD, minute, 360)
            return max(0.2, 1.0 + self.diurnal * cycle - (0.03 if weekend else 0.0) + slow)
        s6, s1, s24 = p.LOAD_NOISE
        noise = (
            s6 * smooth(self.seed, _LOAD, minute, 360)
            + s1 * smooth(self.seed, _LOAD + 1, minute, 60)
            + s24 * smooth(self.seed, _LOAD + 2, minute, 1440)
        )
        level = self.load_mean + self.diurnal * cycle - (0.03 if weekend else 0.0) + noise
        return min(1.0, max(p.LOAD_MIN, level))

    def peak_hours(self, count: int = 4) -> tuple[int, ...]:
        """The ``count`` Beijing hours of the day with the highest usual driver while running.

        The deterministic daily cycle only (no noise, no weekend), averaged over each hour: a
        stack's ``DAY_SHAPE`` (the mean of its two ends), a water outlet's flow cycle at mid-hour;
        for a shift plant only the hours it runs (08–19 h). Stack plants: 9, 10, 18, 19 h; water
        outlets: 8–11 h. Ties go to the earlier hour.
        """
        if not self.gas:
            shape = [_water_cycle(h + 0.5) for h in range(24)]
        else:
            shape = [(p.DAY_SHAPE[h] + p.DAY_SHAPE[(h + 1) % 24]) / 2 for h in range(24)]
        hours = [h for h in range(24) if self.plant.continuous or 8 <= h < 20]
        return tuple(sorted(sorted(hours, key=lambda h: -shape[h])[:count]))

    def _schedule(self, local: int) -> tuple[Phase, int]:
        day, in_day = divmod(local, 1440)
        if not self.plant.continuous:
            sunday = (day + 3) % 7 == 6
            if not sunday and 420 <= in_day < 480:
                return Phase.STARTUP, in_day - 420
            if not sunday and 480 <= in_day < 1200:
                return Phase.RUN, in_day - 480
            if not sunday and 1200 <= in_day < 1230:
                return Phase.SHUTDOWN, in_day - 1200
            last = day if (in_day >= 1230 and not sunday) else day - 1
            while (last + 3) % 7 == 6:
                last -= 1
            return Phase.OFF, local - (last * 1440 + 1230)
        if not self.gas:  # treatment works and continuous effluents do not stop
            return Phase.RUN, 0
        for d in (day, day - 1, day - 2):
            if unit(self.seed, _OUT, d) >= p.OUTAGE_PER_DAY:
                continue
            start = d * 1440 + int(1440 * unit(self.seed, _OUT, d, 1))
            off_until = start + 30 + int(60 * (4 + 36 * unit(self.seed, _OUT, d, 2) ** 2))
            if start <= local < start + 30:
                return Phase.SHUTDOWN, local - start
            if start + 30 <= local < off_until:
                return Phase.OFF, local - start - 30
            if off_until <= local < off_until + 120:
                return Phase.STARTUP, local - off_until
        return Phase.RUN, 0

    # --- readings ---------------------------------------------------------------------------

    def sample(self, moment: datetime | int) -> Sample:
        """The readings of the minute containing ``moment`` (an aware datetime or epoch minute)."""
        minute = moment if isinstance(moment, int) else minute_of(moment)
        cached = self._cache.get(minute)
        if cached is None:
            cached = self._cache[minute] = self._compute(minute)
            if len(self._cache) > 90:  # an hour and a half: what an hourly mean re-reads
                self._cache.popitem(last=False)
        return cached

    def _compute(self, minute: int) -> Sample:
        driver, phase, since = self.state(minute)
        values: dict[str, float] = {}
        for name, spec in self.specs.items():
            lagged = driver if not spec.lag else self.state(minute - spec.lag)[0]
            values[name] = self._value(name, spec, minute, lagged, phase, since)
        flag = "F" if phase is Phase.OFF else "N"
        flags = dict.fromkeys(values, flag)
        if phase is not Phase.OFF:
            low, high = p.CALIBRATION_MINUTES["gas" if self.gas else "water"]
            if low <= (minute + _BJ) % 1440 < high:
                for name in values:
                    if self._calibrated(name):
                        flags[name] = "C"
        return Sample(minute, values, flags, driver, phase)

    def _calibrated(self, name: str) -> bool:
        if not self.gas:
            return name in p.WATER_CHECKED
        row = factor_for(name, True)
        return name == "o2" or (name != "particulate" and row is not None and row.unit == "mg/m3")

    def noise(
        self, name: str, minute: int, stream: int = 0, texture: Texture | None = None
    ) -> float:
        """The unit-variance noise of pollutant ``name`` (``stream`` > 0: an independent one)."""
        texture = texture or self.specs[name].texture
        return texture.sample(self.seed, stream_id(name) + 8 * stream, minute)

    def _value(
        self, name: str, spec: p.Spec, minute: int, driver: float, phase: Phase, since: int
    ) -> float:
        level = self.levels[name]
        n = self.noise(name, minute)
        delta = driver - self.reference
        if phase is Phase.OFF and self.gas:
            return self._idle(name, spec, level, n, since)
        if spec.mode == "add":
            value = level + spec.coupling * delta + spec.sigma * n
        elif spec.mode == "prop":
            scale = (0.1 + 0.9 * driver) / (0.1 + 0.9 * self.reference) if self.gas else driver
            value = level * scale * math.exp(spec.sigma * n)
        else:
            value = level * math.exp(spec.coupling * delta + spec.sigma * n)
        if phase in (Phase.STARTUP, Phase.SHUTDOWN) and self.gas:
            share = 1.0 - since / 120 if phase is Phase.STARTUP else since / 30
            if name == "o2":
                value += (20.9 - value) * share
            elif name == "temperature":
                value -= (value - 10.0) * 0.5 * share
            elif spec.mode == "log" and phase is Phase.STARTUP:
                value *= 1.0 + spec.startup_boost * share
        return _clamp(name, value)

    def _idle(self, name: str, spec: p.Spec, level: float, n: float, since: int) -> float:
        """A stopped stack: air in the duct, cooling down, analyzers near zero."""
        if name == "o2":
            return min(20.95, 20.6 + 0.1 * n)
        if name == "temperature":
            return 10.0 + (level - 10.0) * math.exp(-since / 180) + 0.3 * n
        if name == "humidity":
            return max(0.0, 1.5 + 0.3 * n)
        if spec.mode == "prop":
            return level * 0.03 * math.exp(0.2 * n)
        if spec.mode == "add":
            return level + 0.1 * spec.sigma * n
        return level * 0.02 * math.exp(0.3 * n)

    def converted(self, values: dict[str, float]) -> dict[str, float]:
        """折算 values: C × (21 − O2ref) / (21 − O2) for stack concentrations (rules.md §2.1)."""
        o2 = values.get("o2")
        if not self.gas or o2 is None or o2 >= 19.0:
            return {}
        factor = (21.0 - self.plant.o2_ref) / (21.0 - o2)
        return {
            name: value * factor
            for name, value in values.items()
            if name != "o2" and (row := factor_for(name, True)) and row.unit == "mg/m3"
        }


def _water_cycle(hour: float) -> float:
    """A water outlet's daily flow shape at a Beijing hour (peak late morning, trough at night)."""
    return 0.8 * math.cos(2 * math.pi * (hour - 11) / 24) + 0.2 * math.cos(
        2 * math.pi * (hour - 9) / 12
    )


def _clamp(name: str, value: float) -> float:
    if name == "o2":
        return min(20.95, max(0.5, value))
    if name == "ph":
        return min(14.0, max(0.0, value))
    if name in ("pressure", "temperature", "water_temperature"):
        return value
    return max(0.0, value)
