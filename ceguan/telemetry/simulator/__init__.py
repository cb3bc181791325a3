"""``ceguan simulate``: a fleet of virtual CEMS and water devices speaking HJ 212 to a receiver.

* :mod:`.signals` (with :mod:`.plants`, :mod:`.noise`) — pure, seeded signal model per facility;
* :mod:`.injections` — pure, injected problems and their ground-truth labels;
* :mod:`.periods`, :mod:`.series` — minute samples → minute/hour/day periods → CP records;
* :mod:`.answers`, :mod:`.link`, :mod:`.device` — the asyncio HJ 212 client of one facility;
* :mod:`.fleet` — devices for the registry's networked facilities, run together.

Only :func:`.fleet.load_profiles` touches Django (read only).
"""

from ceguan.telemetry.simulator.fleet import Fleet, FleetConfig, assign_versions, load_profiles
from ceguan.telemetry.simulator.injections import SIMULATION_LIMITS, Injection, Problem
from ceguan.telemetry.simulator.runtime import Settings, SimClock, Stats
from ceguan.telemetry.simulator.signals import FacilityProfile, SignalModel

__all__ = [
    "SIMULATION_LIMITS",
    "FacilityProfile",
    "Fleet",
    "FleetConfig",
    "Injection",
    "Problem",
    "Settings",
    "SignalModel",
    "SimClock",
    "Stats",
    "assign_versions",
    "load_profiles",
]
