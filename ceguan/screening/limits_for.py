"""Choosing the limit a facility's series is judged against.

Order: the outlet's permit limit (:class:`~ceguan.screening.models.PermitLimit`) for the pollutant
and period, else the standard's limit for the enterprise's industry and the outlet's medium
(rule book ``applicability/<industry>/<medium>`` → ``limits/<standard>/<category>/<tier>``),
through :func:`ceguan.standards.limits.emission_limit` for the data's Beijing day. A permit limit
keeps the standard's reference O2 unless it states its own. No limit → ``None``, and the runner
skips the rules that need one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ceguan.registry.models import Facility
from ceguan.screening.models import PermitLimit
from ceguan.standards import NotInForce, RuleBookError, UnknownParameter, load_rulebook
from ceguan.standards.limits import Limit, Override, emission_limit
from ceguan.standards.schema import Reference


@dataclass(frozen=True)
class Applicable:
    """The default standard, source category and tier of an outlet, with its citation."""

    standard: str
    category: str
    tier: str
    reference: Reference
    verified: bool
    path: str


@dataclass(frozen=True)
class ChosenLimit:
    """A limit and where it came from; ``verified`` covers the limit and the classification."""

    limit: Limit
    applicable: Applicable | None

    @property
    def verified(self) -> bool:
        return self.limit.verified and (
            self.limit.source == "permit" or self.applicable is None or self.applicable.verified
        )

    def as_evidence(self) -> dict[str, Any]:
        """The limit as stored in an alarm's evidence: value, unit, basis, source, verified."""
        lim = self.limit
        out: dict[str, Any] = {
            "value": lim.value,
            "unit": lim.unit,
            "period": lim.period,
            "reference_o2": lim.reference_o2,
            "source": lim.source,
            "path": lim.path,
            "reference": lim.reference.title,
            "clause": lim.reference.clause,
            "verified": lim.verified,
        }
        if self.applicable is not None:
            app = self.applicable
            out["applicability"] = {
                "standard": app.standard,
                "category": app.category,
                "tier": app.tier,
                "reference": app.reference.title,
                "verified": app.verified,
            }
        return out


def applicable(industry: str, medium: str, on: date) -> Applicable | None:
    """The rule book's default (standard, category, tier) for an industry and medium on a day."""
    try:
        found = load_rulebook().get("applicability", industry, medium, on=on)
    except (UnknownParameter, NotInForce):
        return None
    table = dict(found.value)  # type: ignore[call-overload]
    return Applicable(
        standard=table["standard"],
        category=table["category"],
        tier=table["tier"],
        reference=found.reference,
        verified=found.verified,
        path=found.path,
    )


class LimitChooser:
    """Limits of one facility, by pollutant, period and day (cached for one screening run)."""

    def __init__(self, facility: Facility) -> None:
        outlet = facility.outlet
        self.industry: str = outlet.enterprise.industry
        self.medium: str = outlet.medium
        self.permits = {
            (p.pollutant, p.period): p for p in PermitLimit.objects.filter(outlet_id=outlet.pk)
        }
        self._cache: dict[tuple[str, str, date], ChosenLimit | None] = {}

    def fingerprint(self) -> str:
        """The permit limits in force, for the cursor's rule-set fingerprint."""
        return ";".join(
            f"{k}:{p.value}:{p.unit}:{p.reference_o2}:{p.verified}"
            for k, p in sorted(self.permits.items())
        )

    def choose(self, pollutant: str, period: str, on: date) -> ChosenLimit | None:
        """The limit of ``pollutant`` for averages of ``period`` on Beijing day ``on``."""
        key = (pollutant, period, on)
        if key not in self._cache:
            self._cache[key] = self._choose(pollutant, period, on)
        return self._cache[key]

    def _choose(self, pollutant: str, period: str, on: date) -> ChosenLimit | None:
        app = applicable(self.industry, self.medium, on)
        permit = self.permits.get((pollutant, period))
        if permit is not None:
            return ChosenLimit(self._permit_limit(permit, app, pollutant, on), app)
        if app is None:
            return None
        try:
            lim = emission_limit(
                load_rulebook(), app.standard, app.category, app.tier, pollutant, period, on=on
            )
        except RuleBookError:  # UnknownLimit (pollutant not limited), NotInForce
            return None
        return ChosenLimit(lim, app)

    @staticmethod
    def _permit_limit(
        permit: PermitLimit, app: Applicable | None, pollutant: str, on: date
    ) -> Limit:
        override = Override(
            value=permit.value,
            unit=permit.unit,
            reference=Reference(title=f"排污许可证 {permit.clause}"),
            verified=permit.verified,
            reference_o2=permit.reference_o2,
        )
        standard, category, tier = (
            (app.standard, app.category, app.tier) if app else ("none", "none", "none")
        )
        try:
            return emission_limit(
                load_rulebook(),
                standard,
                category,
                tier,
                pollutant,
                permit.period,
                on=on,
                override=override,
            )
        except RuleBookError:  # the standard's O2 basis not in force: the permit's alone
            return emission_limit(
                load_rulebook(),
                "none",
                "none",
                "none",
                pollutant,
                permit.period,
                on=on,
                override=override,
            )
