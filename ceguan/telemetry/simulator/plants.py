"""Built-in parameters of the signal model: plant types and per-pollutant shapes (pure data).

Figures measured on ``shared/data/real`` (plain Python, all rows; the simulator does not need the
folder — these numbers are what it derives from it):

* UCI gas turbine, 36,733 hourly rows (2011–2015), TEY = energy yield, a load proxy:
  load mean 133.5 MWh, sd 15.6 (CV 12 %), p1 104.0, max 179.5 → mean load 0.74 of the maximum,
  1st percentile 0.58; hour-to-hour autocorrelation 0.85, lag 12 h 0.20, lag 24 h 0.51 (a daily
  cycle, about 15 % of the load variance). NOx mean 65.3 mg/m³, sd 11.7, residual after load and
  ambient temperature sd 9.5 (CV 0.15), lag-1 h autocorrelation 0.85–0.90, corr(NOx, load) −0.12
  (dry low-NOx turbine). CO median 1.7 mg/m³, ln CO falls 0.032 per MWh (−5.8 per unit load
  fraction; corr(ln CO, load) −0.63), residual log-sd 0.61, autocorrelation 0.77.
* GECCO drinking-water analyzers, 122,334 one-minute rows: flow CV 10 %, minute autocorrelation
  0.966, lag 60 min 0.876, daily cycle ±5 % (1.04× at 05–07 h, 0.94× at 19–21 h), weekday swing
  3 %; analyzer readings (chlorine, conductivity) CV 6–8 %, minute autocorrelation 0.82–0.88,
  lag 60 min 0.19–0.52; pH sd 0.21, minute autocorrelation 0.987; 70 labelled events of 11–159
  min (median 22).

CO levels are 3–12 mg/m³ at reference load (not the turbine's spread scaled up): with the
turbine's log-sd 0.6 and load coupling, a level of 40 exceeded a 100 mg/m³ limit in several
per cent of its hours, which is a non-compliant plant, not a clean one. For the same reason the
highest NOx level is 45 (was 70) and particulate 7 (was 12) mg/m³: a clean plant must stay under
the simulation's limits (100 and 20) at full load with three noise sd, ``level · exp(coupling ·
(1 − 0.75) + 3σ)`` (NOx 45 · e^0.825 ≈ 103, particulate 7 · e^1.1 ≈ 21, at the edge); with 70 and
12, 2–3 exceedances per 100 clean facility-days were the simulator's, not the rules' (measured
2026-11-28, seed 1 of ``bench/screening_eval.py``: 40 of 42 were NOx or particulate at high load).

Stack plants here are coal boilers, kilns, furnaces rather than a gas turbine: their
concentrations rise with load (coupling > 0) and a wastewater outlet's daily flow swing is larger
than a drinking-water main's. Reference O2 values follow rules.md §2.1; like everything in this
module they are simulation settings, not values any rule relies on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ceguan.telemetry.simulator.noise import ANALYZER, FLOW, STACK, STEADY, Texture

LOAD_MEAN = (0.68, 0.80)
"""Range of a stack plant's mean load (fraction of the maximum); gas turbine: 0.74."""
LOAD_MIN = 0.55
"""Lowest running load; gas turbine: 1st percentile 0.58 of the maximum."""
LOAD_NOISE = (0.045, 0.045, 0.03)
"""Load noise sd at 6 h, 1 h and 24 h scales: total ≈ 0.08 with the daily cycle (turbine 0.087)."""
AIR_REFERENCE = 0.75
"""Load at which a pollutant's level is defined."""
_DAY_SHAPE = (-0.6, -0.8, -0.9, -1.0, -1.0, -0.9, -0.6, -0.2, 0.3, 0.7, 0.9, 1.0,
              0.6, 0.4, 0.6, 0.7, 0.6, 0.6, 0.8, 1.0, 0.9, 0.6, 0.1, -0.3)  # fmt: skip
DAY_SHAPE = tuple(v - sum(_DAY_SHAPE) / 24 for v in _DAY_SHAPE)
"""Daily load shape of a stack plant by Beijing hour (mean 0, peak ≈ 1): a grid-following
two-peak day, morning 10–11 h and evening 19–20 h, night trough 03–04 h."""
OUTAGE_PER_DAY = 0.03
"""Chance that a continuous plant stops on a given day (then 4–40 h off, 2 h start-up)."""


@dataclass(frozen=True, slots=True)
class Plant:
    """How a kind of plant runs: schedule, daily cycle and flue gas conditions."""

    continuous: bool
    """Runs day and night (with rare outages); otherwise a day shift, Sundays off."""
    diurnal: float
    """Amplitude of the daily cycle of load (stack) or flow ratio (water)."""
    o2: float = 9.0
    """Flue gas O2 [%] at reference load."""
    o2_ref: float = 9.0
    """Reference O2 [%] of the converted (折算) values."""
    temperature: float = 80.0
    """Flue gas temperature [°C] at reference load."""
    humidity: float = 8.0
    flow: tuple[float, float] = (20.0, 80.0)
    """Range of the flue gas flow [m³/s] at reference load."""
    water_flow: tuple[float, float] = (5.0, 60.0)
    """Range of the mean effluent flow [L/s]."""


_PROCESS = Plant(True, 0.03, o2=8.0, o2_ref=8.0, temperature=90.0, flow=(30.0, 150.0))
PLANTS: dict[str, Plant] = {
    "thermal_power": Plant(True, 0.08, 6.0, 6.0, 50.0, 11.0, (200.0, 600.0), (20.0, 80.0)),
    "cement": Plant(True, 0.02, 10.5, 10.0, 110.0, 8.0, (100.0, 250.0)),
    "steel": Plant(True, 0.02, 15.0, 16.0, 80.0, 9.0, (150.0, 400.0)),
    "waste_incineration": Plant(True, 0.02, 9.0, 11.0, 150.0, 18.0, (30.0, 80.0)),
    "glass": Plant(True, 0.01, 11.0, 8.0, 120.0, 10.0, (20.0, 60.0)),
    "wastewater_treatment": Plant(True, 0.25, water_flow=(100.0, 600.0)),
    "petrochemical": _PROCESS,
    "chemical": _PROCESS,
    "coking": _PROCESS,
    "nonferrous": _PROCESS,
    "paper": Plant(True, 0.05, water_flow=(40.0, 200.0)),
    "pharmaceutical": Plant(False, 0.12, flow=(5.0, 30.0)),
    "food": Plant(False, 0.12, flow=(5.0, 30.0)),
}
DEFAULT_PLANT = Plant(False, 0.12, flow=(5.0, 30.0))
WATER_DIURNAL_MIN = 0.12
"""Industrial effluent swings at least ±12 % a day (drinking-water main: ±5 %)."""


@dataclass(frozen=True, slots=True)
class Spec:
    """The shape of one pollutant's series."""

    low: float
    high: float
    """Range of the facility's level (drawn once per facility); 0, 0 = taken from the plant."""
    coupling: float
    """Response to the driver: per unit load (stack) or flow ratio (water)."""
    sigma: float
    """Noise: log-sd (``log``, ``prop``) or sd in the unit (``add``)."""
    texture: Texture = STACK
    mode: str = "log"
    """``log``: level·exp(k·Δ + σn); ``add``: level + k·Δ + σn; ``prop``: proportional to flow."""
    lag: int = 0
    """Minutes by which the response lags the driver (treatment plant residence)."""
    startup_boost: float = 0.5
    """Extra factor at the start of a start-up, fading over 2 h (controls not yet working)."""


GAS_SPECS: dict[str, Spec] = {
    "so2": Spec(10.0, 45.0, 2.0, 0.15, startup_boost=1.0),
    "nox": Spec(20.0, 45.0, 1.5, 0.15, startup_boost=1.5),
    "no": Spec(12.0, 45.0, 1.5, 0.15, startup_boost=1.5),
    "no2": Spec(1.0, 5.0, 0.8, 0.20),
    "particulate": Spec(2.0, 7.0, 2.0, 0.20, startup_boost=2.0),
    "co": Spec(3.0, 12.0, -5.8, 0.60, startup_boost=2.0),
    "hcl": Spec(2.0, 15.0, 0.8, 0.25),
    "nh3": Spec(0.5, 3.0, 0.5, 0.30),
    "hg": Spec(0.002, 0.01, 0.5, 0.30),
    "o2": Spec(0.0, 0.0, -6.0, 0.25, STEADY, "add"),
    "flow": Spec(0.0, 0.0, 1.0, 0.02, FLOW, "prop"),
    "velocity": Spec(8.0, 16.0, 1.0, 0.02, FLOW, "prop"),
    "temperature": Spec(0.0, 0.0, 10.0, 0.8, STEADY, "add"),
    "humidity": Spec(0.0, 0.0, 1.5, 0.3, STEADY, "add"),
    "pressure": Spec(-0.6, -0.1, -0.3, 0.03, FLOW, "add"),
}
WATER_SPECS: dict[str, Spec] = {
    "water_flow": Spec(0.0, 0.0, 1.0, 0.08, FLOW, "prop"),
    "cod": Spec(12.0, 40.0, 0.6, 0.08, ANALYZER, lag=120),
    "nh3n": Spec(0.3, 3.0, 1.2, 0.20, ANALYZER, lag=120),
    "tp": Spec(0.08, 0.4, 0.8, 0.15, ANALYZER, lag=120),
    "tn": Spec(4.0, 12.0, 0.4, 0.12, ANALYZER, lag=120),
    "ss": Spec(4.0, 12.0, 0.6, 0.20, ANALYZER, lag=60),
    "bod5": Spec(3.0, 10.0, 0.4, 0.15, ANALYZER, lag=120),
    "ph": Spec(6.9, 7.6, 0.0, 0.15, STEADY, "add"),
    "water_temperature": Spec(12.0, 22.0, 0.0, 0.4, STEADY, "add"),
    "conductivity": Spec(600.0, 1500.0, -0.2, 0.08, ANALYZER),
}
_BY_UNIT: dict[str | None, Spec] = {
    "mg/m3": Spec(0.5, 5.0, 0.8, 0.25),
    "mg/L": Spec(0.05, 2.0, 0.4, 0.15, ANALYZER, lag=120),
    "ug/L": Spec(0.5, 5.0, 0.3, 0.20, ANALYZER),
}
_OTHER = Spec(1.0, 10.0, 0.3, 0.10, STEADY)

CALIBRATION_MINUTES = {"gas": (120, 135), "water": (240, 300)}
"""Daily routine checks (Beijing minute of day): CEMS zero/span 02:00–02:15 (HJ 75: every 24 h),
water standard-sample check 04:00–05:00 (rules.md §2.4: 1 h a day); values flagged C."""
WATER_CHECKED = frozenset({"cod", "nh3n", "tp", "tn", "toc"})
"""Water analyzers that run the daily standard-sample check."""


def spec_for(name: str, gas: bool, unit: str | None) -> Spec:
    """The shape of pollutant ``name``; pollutants without their own row follow their unit."""
    table = GAS_SPECS if gas else WATER_SPECS
    return table.get(name) or _BY_UNIT.get(unit, _OTHER)
