"""Risk score of one automatic monitoring facility (M-5), explained factor by factor.

The factors are the work plan's focus categories (甘环办发〔2018〕25号 三（一）–（四）) plus live
signals (alarms, transmission, time since the last on-site check). The score is additive::

    score = base + Σ_i weight_i × value_i,   value_i ∈ [0, 1]

A yes/no factor has value 1 when present and 0 when absent, so it adds exactly its weight; a rate
factor (fault rate, anomaly rate, transmission shortfall, time since the last check) adds its
weight scaled by a value between 0 and 1. Weights are dated policy parameters in the rule book
(``ceguan/standards/targeting/``), read by ``load_weights``; ``risk_score`` itself is pure and
takes them as an argument (``shared/design/style.md`` §6). Category (三（五）), spot checks of
testing agencies, is planned separately and is not a factor here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from ceguan.standards import RuleBook

#: Factor names in display order, with their Chinese and English labels.
FACTORS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "focus_industry": ("重点行业", "Focus industry"),
        "no_third_party_operation": ("未开展或自行开展第三方运营", "No third-party operation"),
        "new_operator": (
            "委托本年度新入省第三方运营单位",
            "Operator new to the province this year",
        ),
        "non_key_enterprise": ("非重点监管企业", "Non-key enterprise"),
        "exceedance_history": ("历史存在监测数据超标", "History of exceedance"),
        "falsification_history": ("历史存在弄虚作假", "History of falsification"),
        "fault_rate": ("自动监控设施故障率", "Device fault rate"),
        "anomaly_rate": ("自动监控数据异常率", "Data anomaly rate"),
        "open_alarms": ("存在未处理报警", "Open alarms"),
        "confirmed_alarms": ("存在已确认报警", "Confirmed alarms"),
        "transmission_shortfall": ("数据传输缺失", "Transmission shortfall"),
        "days_since_last_check": ("距上次现场检查时间", "Time since last on-site check"),
    }
)

#: Rule-book folder of the weights; each factor's weight is ``<WEIGHTS_PATH>.<factor name>``.
WEIGHTS_PATH = "targeting.weights"


@dataclass(frozen=True)
class FacilityFacts:
    """What is known about one facility when it is scored.

    Parameters
    ----------
    industry : str
        Glossary industry code of the facility's enterprise (``steel``, ``chemical`` …).
    operation_mode : str
        ``third_party`` (第三方运营), ``self`` (自行运营) or ``none`` (未运营).
    operator_entered_year : int or None
        Year the third-party operator entered the province; None if unknown or no operator.
    plan_year : int
        Year of the inspection plan being drawn.
    supervision_category : str
        ``national_key``, ``key_unit`` or ``non_key``.
    exceedances_past_year : int
        Exceedances of an emission limit found in the past year [count].
    falsification_findings : int
        Findings of falsified monitoring data on record [count].
    fault_rate : float
        Device fault rate [fraction 0–1].
    anomaly_rate : float
        Data anomaly rate [fraction 0–1].
    open_alarms : int
        Alarms not yet resolved [count].
    confirmed_alarms : int
        Alarms confirmed by review [count].
    transmission_rate : float
        Share of expected data received [fraction 0–1].
    days_since_last_check : int or None
        Days since the last on-site check [day]; None if the facility was never checked.
    """

    industry: str
    operation_mode: str
    operator_entered_year: int | None
    plan_year: int
    supervision_category: str
    exceedances_past_year: int
    falsification_findings: int
    fault_rate: float
    anomaly_rate: float
    open_alarms: int
    confirmed_alarms: int
    transmission_rate: float
    days_since_last_check: int | None

    def __post_init__(self) -> None:
        for name in ("fault_rate", "anomaly_rate", "transmission_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be a fraction between 0 and 1, got {rate!r}")
        counts = ("exceedances_past_year", "falsification_findings", "open_alarms")
        for name in (*counts, "confirmed_alarms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.days_since_last_check is not None and self.days_since_last_check < 0:
            raise ValueError("days_since_last_check must not be negative")


@dataclass(frozen=True)
class Weight:
    """One factor's weight on a day: the points it adds when fully present, and its citation.

    ``clause`` is the reference title of the weight's rule-book file (e.g.
    ``甘环办发〔2018〕25号 三（一）``); ``verified`` is False for policy parameters.
    """

    value: float
    clause: str
    verified: bool = False


@dataclass(frozen=True)
class Weights:
    """Everything ``risk_score`` needs from the rule book on one day.

    Parameters
    ----------
    base : float
        Points every facility starts with [risk points].
    factors : Mapping[str, Weight]
        One weight per name in ``FACTORS``.
    focus_industries : frozenset of str
        Industry codes of 甘环办发〔2018〕25号 三（一） (``workplan.focus_industries``).
    check_interval_days : float
        Days without a check at which ``days_since_last_check`` reaches its weight [day].
    """

    base: float
    factors: Mapping[str, Weight]
    focus_industries: frozenset[str]
    check_interval_days: float

    def __post_init__(self) -> None:
        missing = set(FACTORS) - set(self.factors)
        unknown = set(self.factors) - set(FACTORS)
        if missing or unknown:
            raise ValueError(f"weights: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if self.check_interval_days <= 0:
            raise ValueError("check_interval_days must be positive")


@dataclass(frozen=True)
class Factor:
    """One line of a score's explanation: ``contribution = weight × value``."""

    name: str
    label_zh: str
    label_en: str
    value: float
    weight: float
    contribution: float
    clause: str


@dataclass(frozen=True)
class RiskScore:
    """A facility's risk score and the factors it is the sum of (``score = base + Σ``)."""

    score: float
    base: float
    factors: list[Factor]


def load_weights(rulebook: RuleBook, on: date) -> Weights:
    """Read the risk-score weights in force on ``on`` (a Beijing-time day) from the rule book.

    Raises
    ------
    NotInForce
        If a weight, the focus-industry list or the check interval is not in force on ``on``.
    """
    factors = {}
    for name in FACTORS:
        found = rulebook.get(f"{WEIGHTS_PATH}.{name}", on=on)
        factors[name] = Weight(found.number(), found.reference.title, found.verified)
    return Weights(
        base=rulebook.get(f"{WEIGHTS_PATH}.base", on=on).number(),
        factors=MappingProxyType(factors),
        focus_industries=frozenset(rulebook.get("workplan.focus_industries", on=on).codes()),
        check_interval_days=rulebook.get("targeting.check_interval_days", on=on).number(),
    )


def factor_values(facts: FacilityFacts, weights: Weights) -> dict[str, float]:
    """Each factor's value in [0, 1] for ``facts``: 1 or 0 for yes/no factors, else a share.

    Notes
    -----
    - ``new_operator`` is present only for third-party operation by an operator that entered the
      province in ``plan_year`` (三（二）: "委托2018年新入我省的第三方运营单位", read for the
      plan's year);
    - ``transmission_shortfall`` = 1 − transmission_rate;
    - ``days_since_last_check`` = min(1, days / check_interval_days), 1 if never checked.
    """
    days = facts.days_since_last_check
    return {
        "focus_industry": _flag(facts.industry in weights.focus_industries),
        "no_third_party_operation": _flag(facts.operation_mode in ("self", "none")),
        "new_operator": _flag(
            facts.operation_mode == "third_party" and facts.operator_entered_year == facts.plan_year
        ),
        "non_key_enterprise": _flag(facts.supervision_category == "non_key"),
        "exceedance_history": _flag(facts.exceedances_past_year > 0),
        "falsification_history": _flag(facts.falsification_findings > 0),
        "fault_rate": facts.fault_rate,
        "anomaly_rate": facts.anomaly_rate,
        "open_alarms": _flag(facts.open_alarms > 0),
        "confirmed_alarms": _flag(facts.confirmed_alarms > 0),
        "transmission_shortfall": 1.0 - facts.transmission_rate,
        "days_since_last_check": (
            1.0 if days is None else min(1.0, days / weights.check_interval_days)
        ),
    }


def risk_score(facts: FacilityFacts, weights: Weights) -> RiskScore:
    """Additive risk score of one facility, with every factor's contribution.

    Parameters
    ----------
    facts : FacilityFacts
        The facility's categories and live signals.
    weights : Weights
        Weights in force on the scoring day (``load_weights``).

    Returns
    -------
    RiskScore
        ``score`` [risk points] and one ``Factor`` per name in ``FACTORS``, in that order,
        including those contributing 0.

    Notes
    -----
    score = base + Σ weight_i × value_i, with value_i from ``factor_values``.

    References
    ----------
    甘环办发〔2018〕25号 三（一）–（四） (focus categories), 二（二） (alarm information, periodic
    checks).

    Examples
    --------
    >>> w = Weights(0.1, {n: Weight(0.1, "c") for n in FACTORS}, frozenset({"steel"}), 365.0)
    >>> facts = FacilityFacts("steel", "third_party", None, 2018, "key_unit", 0, 0,
    ...                       0.0, 0.0, 0, 0, 1.0, 0)
    >>> round(risk_score(facts, w).score, 6)  # 0.1 + 0.1 (focus industry)
    0.2
    """
    factors = []
    for name, value in factor_values(facts, weights).items():
        weight = weights.factors[name]
        label_zh, label_en = FACTORS[name]
        factors.append(
            Factor(
                name, label_zh, label_en, value, weight.value, weight.value * value, weight.clause
            )
        )
    score = weights.base + sum(factor.contribution for factor in factors)
    return RiskScore(score=score, base=weights.base, factors=factors)


def _flag(present: bool) -> float:
    return 1.0 if present else 0.0
