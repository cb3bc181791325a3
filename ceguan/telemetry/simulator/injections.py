"""Injected problems with ground-truth labels (pure: no Django, no I/O).

An :class:`Injection` changes a facility's series over a window of (true) time; its
:meth:`~Injection.label` is the ground truth a detector is scored against, written as one JSON
line: ``{"mn", "facility_id", "pollutant" (null = the whole device), "kind", "start", "end",
"parameters"}`` with times ISO 8601 in Beijing time, ``end`` exclusive.

:func:`plan` places injections deterministically (seed, facility, chunk) in a span of time.

**How long each problem lasts** (:data:`DURATION_H`) follows how it happens in the field, not
what a detector needs:

* *Incidents* last hours, until the operator or the platform notices: an exceedance is a
  control upset (desulfurisation or denitration trips, a bag filter leaks) of 2–8 h; zeros are
  a sampling line blocked or diverted, 3–12 h; a drop-out is a communication or power outage of
  the data logger, 2–12 h; a frozen analyser or a value held by the data logger (constant value)
  lasts 6–30 h, usually past a night, until the daily check; a back-dated rewrite edits the
  hours of one incident, 2–8 h. Process incidents (exceedance, zeros, constant value) start
  and end while the plant runs: a stopped plant has no control upset.
* *Practices* are kept up for days, because they are done on purpose: a copied day replaces
  whole Beijing calendar days (1–3) by the day before (the unit of a daily report);
  values capped just under the limit, an O2 reading pinned, a pollutant replaced by a
  made-up signal (decoupled from load) last 3–10 days; maintenance or calibration marks placed
  at the peak-load hours recur every day for 5–10 days (one mark a day would be routine);
  a data-logger clock that drifts keeps drifting (tens of s/h, a worn real-time clock) until
  the platform sets it, 4–10 days.

A facility has one problem at a time: a practice starts at the beginning of a stride of
:data:`STRIDE` chunks (with chance :data:`PRACTICE_SHARE`) and the chunks it covers, plus one,
get no incident; other chunks get one or two incidents, each in its own slot.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ceguan.hj212.times import BEIJING
from ceguan.telemetry.simulator.noise import DECOUPLED, hash_keys, stream_id, unit
from ceguan.telemetry.simulator.signals import (
    FacilityProfile,
    Phase,
    Sample,
    SignalModel,
    at_minute,
    minute_of,
)


class Problem(StrEnum):
    """Kinds of injected problems (the ``kind`` of a label)."""

    EXCEEDANCE = "exceedance"
    CONSTANT = "constant_value"
    ZEROS = "zeros"
    DROPOUT = "dropout"
    """No data sent (nor kept by the device) for the window."""
    COPIED_DAY = "copied_day"
    """Every value and flag of the window copied from the same minutes a day earlier."""
    BUNCHED = "bunched_under_limit"
    O2_PINNED = "o2_pinned"
    DECOUPLED = "decoupled_from_load"
    PEAK_MAINTENANCE = "maintenance_flag_at_peak"
    BACKDATED = "backdated_rewrite"
    """Sent normally, then re-sent at ``parameters.sent_at`` with other values."""
    CLOCK_DRIFT = "clock_drift"
    """Data times stamped by a clock ``offset_seconds`` (+ drift) ahead (> 0) or behind."""


# =========================== SIMULATION SETTING, NOT A REGULATORY VALUE ==========================
#: The default "limit" of the exceedance and bunched-under-limit injections, per pollutant, in
#: the units of POLLUTANT_CODES. Round numbers chosen above the simulated levels; they are NOT the
#: emission limits of any standard, and nothing but the simulator may use them (the rule book in
#: ``ceguan/standards`` will carry real limits). An injection may be given another limit.
SIMULATION_LIMITS: dict[str, float] = {
    "so2": 100.0, "nox": 100.0, "no": 70.0, "particulate": 20.0, "co": 100.0, "hcl": 50.0,
    "nh3": 10.0, "hg": 0.05, "cod": 60.0, "nh3n": 8.0, "tp": 1.0, "tn": 20.0, "ss": 30.0,
    "bod5": 20.0,
}  # fmt: skip
# =================================================================================================

PEAK_HOURS = (9, 10, 18, 19)
"""Beijing hours at which maintenance flags are suspicious for a continuous stack plant (its
load peaks); each facility's own are :meth:`SignalModel.peak_hours` (a shift plant's while it
runs, a water outlet's discharge peak 08–11 h). Until 2026-11-29 every facility used
(10, 11, 19, 20): hour 20 is a shift plant's shutdown (marks there are at low load and F) and
19–20 h are below a water outlet's mean flow, so the injection did not put marks at the peak."""
_BUNCH = stream_id("bunched")
_ALIGN = 10  # minutes: windows start and end on 10-minute boundaries
_BJ_MINUTES = 480  # Beijing is UTC+8

# ======================== SIMULATION SETTINGS (see the module docstring) ========================
DURATION_H: dict[Problem, tuple[float, float]] = {
    Problem.EXCEEDANCE: (2.0, 8.0),
    Problem.ZEROS: (3.0, 12.0),
    Problem.DROPOUT: (2.0, 12.0),
    Problem.CONSTANT: (6.0, 30.0),
    Problem.BACKDATED: (2.0, 8.0),
    Problem.COPIED_DAY: (24.0, 72.0),
    Problem.BUNCHED: (72.0, 240.0),
    Problem.O2_PINNED: (72.0, 240.0),
    Problem.DECOUPLED: (72.0, 240.0),
    Problem.PEAK_MAINTENANCE: (120.0, 240.0),
    Problem.CLOCK_DRIFT: (96.0, 240.0),
}
"""Shortest and longest duration [h] of each problem, as it happens in the field."""
PRACTICES = frozenset(k for k, (low, _) in DURATION_H.items() if low >= 24.0)
"""Problems kept up for days (practices); the others are incidents of hours."""
WHILE_RUNNING = frozenset({Problem.EXCEEDANCE, Problem.ZEROS, Problem.CONSTANT})
"""Incidents that happen only while the plant runs."""
STRIDE = 12
"""Chunks (days) per stride; a practice can start only in a stride's first chunk."""
PRACTICE_SHARE = 0.6
"""Chance that an injected facility's stride begins with a practice."""
# =================================================================================================


@dataclass(frozen=True, slots=True)
class Injection:
    """One injected problem on one facility (``pollutant`` None = all its parameters)."""

    problem: Problem
    start: datetime
    end: datetime
    pollutant: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    def active(self, minute: int) -> bool:
        return minute_of(self.start) <= minute < minute_of(self.end)

    def label(self, profile: FacilityProfile) -> dict[str, Any]:
        """The ground-truth record (one JSON line)."""
        return {
            "mn": profile.mn,
            "facility_id": profile.facility_id,
            "pollutant": self.pollutant,
            "kind": self.problem.value,
            "start": self.start.astimezone(BEIJING).isoformat(),
            "end": self.end.astimezone(BEIJING).isoformat(),
            "parameters": self.parameters,
        }

    def clock_offset(self, moment: datetime) -> float:
        """Seconds the device clock is off at ``moment`` (0 outside a clock-drift window)."""
        if self.problem is not Problem.CLOCK_DRIFT or not self.start <= moment < self.end:
            return 0.0
        hours = (moment - self.start).total_seconds() / 3600
        return self.parameters["offset_seconds"] + self.parameters["drift_seconds_per_hour"] * hours

    @property
    def sent_at(self) -> datetime | None:
        """When a back-dated rewrite is sent (true time), else None."""
        if self.problem is not Problem.BACKDATED:
            return None
        return datetime.fromisoformat(self.parameters["sent_at"])


def apply(injection: Injection, sample: Sample, model: SignalModel) -> Sample | None:
    """The sample as the device reports it under ``injection`` (None: nothing reported)."""
    kind, name, par = injection.problem, injection.pollutant, injection.parameters
    if kind is Problem.DROPOUT:
        return None
    if kind is Problem.COPIED_DAY:
        source = model.sample(sample.minute - par["source_offset_minutes"])
        return replace(sample, values=dict(source.values), flags=dict(source.flags))
    if (
        name is None
        or name not in sample.values
        or kind in (Problem.BACKDATED, Problem.CLOCK_DRIFT)
    ):
        return sample
    values, flags = dict(sample.values), dict(sample.flags)
    if kind is Problem.EXCEEDANCE:
        values[name] *= par["limit"] * par["factor"] / model.levels[name]
    elif kind is Problem.CONSTANT:
        values[name] = par["value"]
    elif kind is Problem.ZEROS:
        values[name] = 0.0
    elif kind is Problem.BUNCHED:
        share = par["low"] + (par["high"] - par["low"]) * unit(model.seed, _BUNCH, sample.minute)
        values[name] = par["limit"] * share
    elif kind is Problem.O2_PINNED:
        jitter = par["jitter"] * (2 * unit(model.seed, _BUNCH + 1, sample.minute) - 1)
        values[name] = par["value"] + jitter
    elif kind is Problem.DECOUPLED:
        spec, level = model.specs[name], model.levels[name]
        noise = spec.sigma * model.noise(name, sample.minute, stream=1, texture=DECOUPLED)
        values[name] = level + noise if spec.mode == "add" else level * math.exp(noise)
        flags[name] = "N"
    elif kind is Problem.PEAK_MAINTENANCE:
        if "hours" in par and ((sample.minute + _BJ_MINUTES) % 1440) // 60 not in par["hours"]:
            return sample
        if sample.phase is Phase.OFF:  # a stopped plant (flag F) has nothing to hide
            return sample
        values[name] *= par["value_factor"]
        flags[name] = par["flag"]
    return replace(sample, values=values, flags=flags)


def rewrite(injection: Injection, sample: Sample) -> Sample:
    """The values a back-dated rewrite re-sends for a minute of its window."""
    name = injection.pollutant
    if name is None or name not in sample.values:
        return sample
    values = dict(sample.values)
    values[name] *= injection.parameters["factor"]
    return replace(sample, values=values)


def applicable(profile: FacilityProfile, limits: dict[str, float]) -> list[Problem]:
    """The problems that make sense for what a facility measures."""
    params = profile.parameters
    limited = [p for p in params if p in limits]
    kinds = [Problem.CONSTANT, Problem.ZEROS, Problem.DROPOUT, Problem.COPIED_DAY]
    kinds += [Problem.PEAK_MAINTENANCE, Problem.BACKDATED, Problem.CLOCK_DRIFT]
    if limited:
        kinds += [Problem.EXCEEDANCE, Problem.BUNCHED, Problem.DECOUPLED]
    if profile.gas and "o2" in params:
        kinds.append(Problem.O2_PINNED)
    return kinds


def plan(
    model: SignalModel,
    seed: int,
    start: datetime,
    end: datetime,
    *,
    share: float = 0.3,
    chunk: int = 0,
    limits: dict[str, float] | None = None,
    kinds: list[Problem] | None = None,
) -> list[Injection]:
    """Injections for one facility in the chunk ``[start, end)``; none unless it is in ``share``.

    Without ``kinds``: at the first chunk of each stride of :data:`STRIDE` chunks a practice
    may start (it may run past ``end``); the chunks it covers, and the next, get nothing else;
    other chunks get one or two incidents, each in its own slot of the chunk. With ``kinds``
    (tests): every one of ``kinds`` in its own slot, durations clipped to the slot. Windows are
    aligned to 10 minutes. Deterministic in (seed, facility, chunk).
    """
    profile = model.profile
    limits = SIMULATION_LIMITS if limits is None else limits
    if unit(seed, profile.facility_id, stream_id("inject")) >= share:
        return []
    possible = applicable(profile, limits)
    if kinds:
        rng = random.Random(hash_keys(seed, profile.facility_id, stream_id("plan"), chunk))
        return _in_slots([k for k in kinds if k in possible], model, rng, start, end, limits)
    first = chunk - chunk % STRIDE
    practice = _practice(model, seed, first, possible)
    if practice is not None:
        kind, hours, rng = practice
        covered = math.ceil(hours / 24.0) + 1
        if chunk == first:
            injection = _place_practice(kind, model, rng, start, hours, limits)
            return [] if injection is None else [injection]
        if chunk < first + covered:
            return []
    rng = random.Random(hash_keys(seed, profile.facility_id, stream_id("plan"), chunk))
    incidents = [k for k in possible if k not in PRACTICES]
    chosen = rng.sample(incidents, min(len(incidents), rng.randint(1, 2)))
    return _in_slots(chosen, model, rng, start, end, limits)


def _practice(
    model: SignalModel, seed: int, first: int, possible: list[Problem]
) -> tuple[Problem, float, random.Random] | None:
    """The practice that starts at chunk ``first`` (kind, hours, its generator), if any."""
    rng = random.Random(hash_keys(seed, model.profile.facility_id, stream_id("practice"), first))
    kinds = [k for k in possible if k in PRACTICES]
    if not kinds or rng.random() >= PRACTICE_SHARE:
        return None
    kind = rng.choice(kinds)
    low, high = DURATION_H[kind]
    return kind, rng.uniform(low, high), rng


def _in_slots(
    chosen: list[Problem],
    model: SignalModel,
    rng: random.Random,
    start: datetime,
    end: datetime,
    limits: dict[str, float],
) -> list[Injection]:
    span = (end - start).total_seconds() / 60
    count = min(len(chosen), int(span // (2 * _ALIGN)))
    out: list[Injection] = []
    for i, kind in enumerate(chosen[:count]):
        slot_start = start + timedelta(minutes=span * i / count)
        slot_end = start + timedelta(minutes=span * (i + 1) / count)
        injection = _place(kind, model, rng, slot_start, slot_end, (start, end), limits)
        if injection is not None:
            out.append(injection)
    return out


def _align(moment: datetime, up: bool = False) -> datetime:
    minute = minute_of(moment)
    floor = minute - minute % _ALIGN
    if up and floor != minute:
        floor += _ALIGN
    return datetime.fromtimestamp(floor * 60, BEIJING)


def _running(model: SignalModel, begin: datetime, finish: datetime) -> tuple[datetime, datetime]:
    """The first stretch of ``[begin, finish)`` in which the plant runs (10-minute steps)."""
    first, last = minute_of(begin), minute_of(finish)
    while first < last and model.state(first)[1] is not Phase.RUN:
        first += _ALIGN
    stop = first
    while stop < last and model.state(stop)[1] is Phase.RUN:
        stop += _ALIGN
    return at_minute(first), at_minute(stop)


def _place(
    kind: Problem,
    model: SignalModel,
    rng: random.Random,
    slot_start: datetime,
    slot_end: datetime,
    span: tuple[datetime, datetime],
    limits: dict[str, float],
) -> Injection | None:
    slot = (slot_end - slot_start).total_seconds() / 60
    low, high = DURATION_H[kind]
    length = min(max(_ALIGN, 0.9 * slot), 60 * rng.uniform(low, high))
    begin = _align(slot_start + timedelta(minutes=rng.uniform(0, slot - length)), up=True)
    finish = max(begin + timedelta(minutes=_ALIGN), _align(begin + timedelta(minutes=length)))
    if kind is Problem.PEAK_MAINTENANCE:
        peak = model.peak_hours()
        begin = _peak_start(slot_start, slot_end, peak) or _peak_start(*span, peak)
        if begin is None:
            return None
        finish = min(begin + timedelta(minutes=max(30.0, length)), begin + timedelta(hours=2))
    finish = min(finish, _align(span[1]))
    if kind in WHILE_RUNNING:
        begin, finish = _running(model, begin, finish)
    return _make(kind, model, rng, begin, finish, span, slot_end, limits)


def _place_practice(
    kind: Problem,
    model: SignalModel,
    rng: random.Random,
    start: datetime,
    hours: float,
    limits: dict[str, float],
) -> Injection | None:
    begin = _align(start, up=True)
    if kind is Problem.COPIED_DAY:  # whole Beijing days, each copied from the day before
        local = start.astimezone(BEIJING)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        begin = midnight if midnight >= start else midnight + timedelta(days=1)
        hours = 24.0 * max(1, round(hours / 24.0))
    finish = begin + timedelta(hours=hours)
    if kind is not Problem.COPIED_DAY:
        finish = _align(finish)
    return _make(kind, model, rng, begin, finish, (begin, finish), finish, limits)


def _make(
    kind: Problem,
    model: SignalModel,
    rng: random.Random,
    begin: datetime,
    finish: datetime,
    span: tuple[datetime, datetime],
    slot_end: datetime,
    limits: dict[str, float],
) -> Injection | None:
    params = model.profile.parameters
    if not params or finish <= begin:
        return None
    limited = [p for p in params if p in limits]
    coupled = [p for p in limited if model.specs[p].coupling and model.specs[p].mode == "log"]
    pollutant: str | None = rng.choice(limited or list(params))
    par: dict[str, Any] = {}
    if kind in (Problem.DROPOUT, Problem.COPIED_DAY, Problem.CLOCK_DRIFT):
        pollutant = None
    if kind is Problem.EXCEEDANCE:
        par = {"limit": limits[pollutant], "factor": round(rng.uniform(1.3, 2.0), 2)}
    elif kind is Problem.BUNCHED:
        par = {"limit": limits[pollutant], "low": 0.9, "high": 0.99}
    elif kind is Problem.CONSTANT:
        par = {"value": round(model.sample(begin).values[pollutant], 3)}
    elif kind is Problem.COPIED_DAY:
        par = {"source_offset_minutes": 1440}
    elif kind is Problem.O2_PINNED:
        pollutant = "o2"
        par = {"value": round(model.levels["o2"] + rng.uniform(-1.0, 1.0), 1), "jitter": 0.05}
    elif kind is Problem.DECOUPLED:
        pollutant = rng.choice(coupled) if coupled else pollutant
    elif kind is Problem.PEAK_MAINTENANCE:
        peak = model.peak_hours()
        par = {"flag": rng.choice("MC"), "value_factor": 1.6, "peak_hours": list(peak)}
        if finish - begin > timedelta(hours=24):  # a practice: marks at peak hours every day
            par["hours"] = sorted(rng.sample(peak, rng.randint(1, 2)))
    elif kind is Problem.BACKDATED:
        room = max(1.0, (span[1] - finish).total_seconds() / 60 - 1)
        delay = min(
            room, max(1.0, rng.uniform(0.2, 1.0) * (slot_end - finish).total_seconds() / 60)
        )
        sent_at = (finish + timedelta(minutes=delay)).replace(microsecond=0)
        par = {"factor": round(rng.uniform(0.5, 0.8), 2), "sent_at": sent_at.isoformat()}
    elif kind is Problem.CLOCK_DRIFT:
        sign = rng.choice((-1, 1))
        par = {
            "offset_seconds": sign * round(rng.uniform(120, 900)),
            "drift_seconds_per_hour": sign * round(rng.uniform(5, 60), 1),
        }
    return Injection(kind, begin, finish, pollutant, par)


def _peak_start(start: datetime, end: datetime, peak: tuple[int, ...]) -> datetime | None:
    """The first of the ``peak`` hours (Beijing) that begins in ``[start, end)``."""
    moment = start.astimezone(BEIJING).replace(minute=0, second=0, microsecond=0)
    while moment < end:
        if moment >= start and moment.hour in peak:
            return moment
        moment += timedelta(hours=1)
    return None
