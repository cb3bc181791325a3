"""Targeting (双随机): the risk-weighted, floored, publicly verifiable quarterly draw.

Pure modules, no Django and no I/O: :mod:`ceguan.targeting.draw` computes inclusion
probabilities and draws; :mod:`ceguan.targeting.bundle` packs a draw into a reproducibility
bundle (canonical JSON) and re-runs it to say match or mismatch; :mod:`~ceguan.targeting.quota`
and :mod:`~ceguan.targeting.assign` do the quota arithmetic and the team draw. The Django app
around them (models, ``ceremony``, ``assignment``, ``tasks``, ``verification``) is described in
``docs/targeting.md``.
"""

from ceguan.targeting.bundle import (
    BUNDLE_FORMAT,
    KNOWN_ALGORITHMS,
    Bundle,
    BundleError,
    Verification,
    make_bundle,
    verify,
)
from ceguan.targeting.draw import (
    ALGORITHM,
    WEIGHT_DECIMALS,
    DrawResult,
    InfeasibleError,
    canonical_population,
    canonical_weight,
    commitment,
    draw,
    inclusion_probabilities,
    new_secret,
    population_hash,
    seed_from,
    systematic_pps,
)

__all__ = [
    "ALGORITHM",
    "BUNDLE_FORMAT",
    "KNOWN_ALGORITHMS",
    "WEIGHT_DECIMALS",
    "Bundle",
    "BundleError",
    "DrawResult",
    "InfeasibleError",
    "Verification",
    "canonical_population",
    "canonical_weight",
    "commitment",
    "draw",
    "inclusion_probabilities",
    "make_bundle",
    "new_secret",
    "population_hash",
    "seed_from",
    "systematic_pps",
    "verify",
]
