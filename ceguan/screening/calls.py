"""Calling the detectors on one series and turning their episodes into alarms.

The runner (:mod:`ceguan.screening.runner`) decides which facilities and windows to screen and
loads their series; this module calls every detector in force on one series (hourly, or the
:data:`~ceguan.screening.minute.MINUTE_RULES` on minute data), with the inputs each one takes
(:func:`wire`), the start-up/shutdown exemption of the rules it applies to, and the backing of
markings by operations records, and records each episode as a finding
(:func:`~ceguan.screening.alarms.record_finding`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ceguan.screening import REGISTRY, DetectorNotInForce, DetectorSpec, spec_on
from ceguan.screening.alarms import Finding, record_finding
from ceguan.screening.episode import Episode
from ceguan.screening.minute import DAILY_MINUTE_RULES, MINUTE_RULES, minute_tuning
from ceguan.screening.operations import HOUR, marking_backing
from ceguan.screening.phases import EXEMPT_RULES
from ceguan.screening.series import Series, SeriesInputs, build_evidence
from ceguan.screening.wiring import MINUTE_INTERVAL, minute_inputs
from ceguan.telemetry.rollup import beijing_day


@dataclass
class ScreenResult:
    """What a screening run did."""

    facilities: int = 0
    series: int = 0
    episodes: int = 0
    created: int = 0
    extended: int = 0
    unchanged: int = 0
    backed: int = 0
    """Episodes of ``marking_hides_exceedance`` whose marks are all backed (no alarm)."""
    own_history: int = 0
    """Minute series judged again over the series' own longer past (:func:`wants_own_history`)."""
    daily_history: int = 0
    """Minute series judged by a :data:`DAILY_MINUTE_RULES` rule over their longer past."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Rule id → series it could not judge for want of an input (``exceedance: limit``)."""

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def wire(spec: DetectorSpec, available: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The keyword arguments of ``spec`` from the ``available`` inputs, or (None, missing name).

    Required inputs must all be available; optional companions (``load``, ``limit``) are passed
    when available. Statistical tuning keeps its documented defaults.
    """
    kwargs: dict[str, Any] = {}
    for name in spec.inputs:
        if name not in available:
            return None, name
        kwargs[name] = available[name]
    for name in ("load", "limit", "pollutant", "explained"):
        if name in spec.tuning and name in available:
            kwargs[name] = available[name]
    return kwargs, ""


def run_detectors(
    facility_id: int,
    inputs: SeriesInputs,
    now: datetime,
    result: ScreenResult,
    *,
    extra: dict[str, Any] | None = None,
    skip: Iterable[str] = (),
) -> None:
    day = beijing_day(datetime.fromisoformat(f"{inputs.last_time}+00:00"))
    for rule_id in REGISTRY.detectors:
        if rule_id in skip:
            continue
        try:
            spec = spec_on(rule_id, day)
        except DetectorNotInForce:
            continue
        limited = "limit" in spec.inputs
        available = dict(inputs.limited if limited else inputs.full, **(extra or {}))
        kwargs, missing = wire(spec, available)
        if kwargs is None:
            result.skipped[f"{rule_id}: {missing}"] += 1
            continue
        exempt = inputs.exempt["limited" if limited else "full"]
        if rule_id in EXEMPT_RULES and exempt.any():  # start-up and shutdown are not judged
            kwargs["values"] = np.where(exempt, np.nan, kwargs["values"])
        for episode in spec(**kwargs):
            result.episodes += 1
            evidence, unverified = build_evidence(episode, inputs, "limit" in kwargs)
            if rule_id == "marking_hides_exceedance":
                judged = marking_backing(
                    facility_id, episode, inputs.full["times"], inputs.full["flags"], as_of=now
                )
                if judged.is_backed:
                    result.backed += 1
                    continue  # a backed marking validly removes the exceedance
                evidence.update(judged.as_evidence(HOUR))
            finding = Finding(episode, spec.source, evidence, unverified)
            result.count(record_finding(facility_id, finding, now=now))


#: A minute series and its load, as the runner loaded them.
MinuteSeries = tuple[Series, Series | None]


def run_minute_rules(
    facility_id: int,
    one: Series,
    load: Series | None,
    now: datetime,
    result: ScreenResult,
    *,
    history: Callable[[], MinuteSeries | None] | None = None,
    daily_due: bool = True,
) -> None:
    """The :data:`MINUTE_RULES` on a minute series (measured values), with their tuning for
    the series' own interval (:func:`~ceguan.screening.minute.minute_tuning`).

    ``history``: on an incremental run (only the recent minutes loaded), the same series over a
    longer past, for a rule that judges a run against the series' own history
    (:func:`wants_own_history`); it is judged again over that past and only its episodes that
    reach the recent window are kept. Loaded only when such a run is found: rare, and costly.
    The :data:`DAILY_MINUTE_RULES` are judged over that past directly, and on an incremental
    run only when ``daily_due`` (the run's new values reach back over the facility's
    :func:`~ceguan.screening.minute.daily_slot`).
    """
    available, inputs = minute_inputs(one, load)
    day = beijing_day(datetime.fromisoformat(f"{one.times[-1]}+00:00"))
    every = int(available["interval"] // MINUTE_INTERVAL)
    for rule_id in MINUTE_RULES:
        tuning = minute_tuning(rule_id, every)
        daily = rule_id in DAILY_MINUTE_RULES and history is not None
        if daily and (not daily_due or every != 1):  # the daily rules judge one-minute data
            continue
        try:
            spec = spec_on(rule_id, day)
        except DetectorNotInForce:
            continue
        kwargs, missing = wire(spec, available)
        if kwargs is None:
            result.skipped[f"{rule_id} (minute): {missing}"] += 1
            continue
        episodes, context = [] if daily else spec(**kwargs, **tuning), inputs
        if history is not None and (daily or any(wants_own_history(spec, e) for e in episodes)):
            judged = _on_history(spec, tuning, history, recent=one.times[0])
            if judged is not None:
                episodes, context = judged
                result.count("daily_history" if daily else "own_history")
        for episode in episodes:
            result.episodes += 1
            evidence, unverified = build_evidence(episode, context, False)
            finding = Finding(episode, spec.source, evidence, unverified)
            result.count(record_finding(facility_id, finding, now=now))


def _on_history(
    spec: DetectorSpec,
    tuning: dict[str, Any],
    history: Callable[[], MinuteSeries | None],
    *,
    recent: np.datetime64,
) -> tuple[list[Episode], SeriesInputs] | None:
    """``spec`` judged over the series' longer past: its episodes that reach ``recent``, and
    their evidence context; None when the past cannot be loaded or wired."""
    longer = history()
    if longer is None:
        return None
    long_available, long_inputs = minute_inputs(*longer)
    long_kwargs, _ = wire(spec, long_available)
    if long_kwargs is None:
        return None
    return [e for e in spec(**long_kwargs, **tuning) if e.end >= recent], long_inputs


def wants_own_history(spec: DetectorSpec, episode: Episode) -> bool:
    """True for a ``constant_run`` episode on a coarse analyzer (``step_share`` at or above the
    rule's ``coarse_share``): version 2 judges such a run against the series' own quiet
    stretches, and a day or two of data holds one or two of them, not the weeks that tell a
    quiet night from a frozen analyzer (docs/detectors.md, ``constant_run``)."""
    share = episode.evidence.get("step_share")
    return (
        spec.rule_id == "constant_run"
        and share is not None
        and share >= spec.tuning.get("coarse_share", 1.0)
    )
