"""The reproducibility bundle of a draw, its canonical JSON, and its verification.

A bundle holds everything needed to re-run a draw: the population with its weights, ``n`` and
the floor, the algorithm version, the commitment published in the plan, the secret revealed at
the draw, and the recorded result (seed, population hash, selected ids in draw order, π).
:func:`verify` re-derives each part and answers match or mismatch with one reason per failed
check. Pure: no Django and no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ceguan.targeting.draw import (
    ALGORITHM,
    DrawResult,
    Weight,
    canonical_population,
    commitment,
    draw,
    population_hash,
    seed_from,
)

#: Format tag written into every bundle's JSON.
BUNDLE_FORMAT = "ceguan-draw-bundle/1"
#: Draw algorithms this code can re-run, by version string.
KNOWN_ALGORITHMS: dict[str, Callable[..., DrawResult]] = {ALGORITHM: draw}
#: Largest difference tolerated between a recorded and a recomputed π [-].
PI_TOLERANCE = 1e-12

_KEYS = frozenset(
    {
        "format",
        "algorithm",
        "commitment",
        "secret",
        "population",
        "n",
        "floor",
        "population_hash",
        "seed",
        "selected",
        "pi",
    }
)


class BundleError(ValueError):
    """A bundle's JSON is malformed: not JSON, unknown or missing keys, or wrong types."""


@dataclass(frozen=True)
class Bundle:
    """Everything needed to re-run and check one draw.

    Attributes
    ----------
    algorithm : str
        Version string of the draw algorithm (a key of :data:`KNOWN_ALGORITHMS`).
    commitment : str
        Hex SHA-256 of the secret, as published in the plan before the population was frozen.
    secret : bytes
        The secret revealed at the draw (hex in JSON).
    population : tuple of (str, str)
        ``(facility_id, canonical weight)`` sorted by id (:func:`canonical_population`).
    n : int
        Sample size.
    floor : float
        Minimum inclusion probability [-].
    population_hash : str
        Recorded hex SHA-256 of the canonical population.
    seed : str
        Recorded hex seed.
    selected : tuple of str
        Recorded selected facility ids, in draw order.
    pi : dict of str to float
        Recorded inclusion probability of every facility [-].
    """

    algorithm: str
    commitment: str
    secret: bytes = field(repr=False)
    population: tuple[tuple[str, str], ...]
    n: int
    floor: float
    population_hash: str
    seed: str
    selected: tuple[str, ...]
    pi: dict[str, float] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The bundle as JSON-ready builtins (secret as hex, population as pairs)."""
        return {
            "format": BUNDLE_FORMAT,
            "algorithm": self.algorithm,
            "commitment": self.commitment,
            "secret": self.secret.hex(),
            "population": [[fid, w] for fid, w in self.population],
            "n": self.n,
            "floor": self.floor,
            "population_hash": self.population_hash,
            "seed": self.seed,
            "selected": list(self.selected),
            "pi": dict(self.pi),
        }

    def to_json(self) -> str:
        """Canonical JSON: keys sorted, no spaces, UTF-8 text, floats in shortest round-trip form.

        The same bundle always gives the same string, so the string itself can be hashed or
        published.
        """
        return json.dumps(
            self.as_dict(),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Bundle:
        """Parse a bundle; raise :class:`BundleError` naming the key on any structural problem."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BundleError(f"bundle is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BundleError("bundle must be a JSON object")
        unknown = sorted(set(data) - _KEYS)
        missing = sorted(_KEYS - set(data))
        if unknown:
            raise BundleError(f"unknown key(s) in bundle: {', '.join(unknown)}")
        if missing:
            raise BundleError(f"missing key(s) in bundle: {', '.join(missing)}")
        if data["format"] != BUNDLE_FORMAT:
            raise BundleError(f"format: expected {BUNDLE_FORMAT!r}, got {data['format']!r}")
        for key in ("algorithm", "commitment", "secret", "population_hash", "seed"):
            if not isinstance(data[key], str):
                raise BundleError(f"{key}: must be a string")
        try:
            secret = bytes.fromhex(data["secret"])
        except ValueError as exc:
            raise BundleError("secret: must be hex") from exc
        n = data["n"]
        if isinstance(n, bool) or not isinstance(n, int):
            raise BundleError("n: must be an integer")
        floor = data["floor"]
        if isinstance(floor, bool) or not isinstance(floor, int | float):
            raise BundleError("floor: must be a number")
        population = data["population"]
        if not isinstance(population, list) or not all(
            isinstance(u, list) and len(u) == 2 and isinstance(u[0], str) and isinstance(u[1], str)
            for u in population
        ):
            raise BundleError('population: must be a list of ["facility_id", "weight"] pairs')
        selected = data["selected"]
        if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
            raise BundleError("selected: must be a list of facility ids")
        pi = data["pi"]
        if not isinstance(pi, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pi.values()
        ):
            raise BundleError("pi: must map facility ids to numbers")
        return cls(
            algorithm=data["algorithm"],
            commitment=data["commitment"],
            secret=secret,
            population=tuple((fid, w) for fid, w in population),
            n=n,
            floor=float(floor),
            population_hash=data["population_hash"],
            seed=data["seed"],
            selected=tuple(selected),
            pi={k: float(v) for k, v in pi.items()},
        )


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify`.

    Attributes
    ----------
    match : bool
        True when every check passed.
    reasons : list of str
        One entry per failed check, ``"<check>: <what differs>"`` with ``<check>`` one of
        ``algorithm``, ``commitment``, ``population``, ``population_hash``, ``seed``,
        ``result``. Empty on a match.
    """

    match: bool
    reasons: list[str]

    @property
    def checks_failed(self) -> list[str]:
        """The ``<check>`` part of each reason, in order."""
        return [r.split(":", 1)[0] for r in self.reasons]


def make_bundle(
    units: Sequence[tuple[str, Weight]],
    n: int,
    floor: float,
    secret: bytes,
    result: DrawResult | None = None,
) -> Bundle:
    """Bundle a draw (running it if ``result`` is not given) for publication and re-running.

    Examples
    --------
    >>> b = make_bundle([("f1", 1), ("f2", 3), ("f3", 2)], n=1, floor=0.1, secret=bytes(16))
    >>> verify(Bundle.from_json(b.to_json())).match
    True
    """
    if result is None:
        result = draw(units, n, floor, secret)
    return Bundle(
        algorithm=result.algorithm,
        commitment=commitment(secret),
        secret=bytes(secret),
        population=tuple(canonical_population(units)),
        n=result.n,
        floor=result.floor,
        population_hash=result.population_hash,
        seed=result.seed,
        selected=result.selected,
        pi=dict(result.pi),
    )


def verify(bundle: Bundle) -> Verification:
    """Re-run a bundle's draw and compare every recorded part with its recomputation.

    Parameters
    ----------
    bundle : Bundle

    Returns
    -------
    Verification
        ``match`` and one reason per failed check.

    Notes
    -----
    Checks, each independent of the others' outcome where possible:

    1. ``algorithm`` — the version string is one this code can re-run;
    2. ``commitment`` — SHA-256(secret) equals the published commitment;
    3. ``population_hash`` — the hash recomputed from the population equals the recorded one
       (``population`` if the population itself is malformed, e.g. a duplicate id);
    4. ``seed`` — SHA-256(secret ‖ recomputed population hash) equals the recorded seed;
    5. ``result`` — the draw re-run from population, ``n``, floor and secret gives the recorded
       selected ids in the same order and the recorded π (to :data:`PI_TOLERANCE`).

    References
    ----------
    .. [1] Tillé, Y. (2006). *Sampling Algorithms*. Springer, §7.2.
    .. [2] FIPS PUB 180-4 (2015), Secure Hash Standard.
    """
    reasons: list[str] = []
    runner = KNOWN_ALGORITHMS.get(bundle.algorithm)
    if runner is None:
        reasons.append(
            f"algorithm: {bundle.algorithm!r} is not a known version "
            f"(known: {', '.join(sorted(KNOWN_ALGORITHMS))})"
        )

    try:
        committed = commitment(bundle.secret)
    except (TypeError, ValueError) as exc:
        reasons.append(f"commitment: the secret is unusable ({exc})")
    else:
        if committed != bundle.commitment:
            reasons.append(
                f"commitment: SHA-256(secret) = {committed} differs from the published "
                f"commitment {bundle.commitment}"
            )

    digest: str | None = None
    try:
        digest = population_hash(bundle.population)
    except (TypeError, ValueError) as exc:
        reasons.append(f"population: {exc}")
    else:
        if digest != bundle.population_hash:
            reasons.append(
                f"population_hash: the population hashes to {digest}, the bundle records "
                f"{bundle.population_hash} (a unit or weight was changed, added or removed)"
            )
        try:
            seed = seed_from(bundle.secret, digest).hex()
        except (TypeError, ValueError) as exc:
            reasons.append(f"seed: cannot be recomputed ({exc})")
        else:
            if seed != bundle.seed:
                reasons.append(f"seed: recomputed {seed}, the bundle records {bundle.seed}")

    if runner is not None and digest is not None:
        try:
            again = runner(bundle.population, bundle.n, bundle.floor, bundle.secret)
        except (TypeError, ValueError) as exc:
            reasons.append(f"result: the draw cannot be re-run ({exc})")
        else:
            reasons.extend(_compare_result(bundle, again))
    return Verification(match=not reasons, reasons=reasons)


def _compare_result(bundle: Bundle, again: DrawResult) -> list[str]:
    reasons: list[str] = []
    if again.selected != bundle.selected:
        reasons.append(
            f"result: re-run selects {list(again.selected)}, the bundle records "
            f"{list(bundle.selected)}"
        )
    if set(again.pi) != set(bundle.pi):
        reasons.append("result: the recorded π does not cover exactly the population")
    else:
        worst = max(
            (abs(again.pi[k] - bundle.pi[k]) for k in again.pi),
            default=0.0,
        )
        if not math.isfinite(worst) or worst > PI_TOLERANCE:
            reasons.append(f"result: recorded π differs from the recomputed π by up to {worst:g}")
    return reasons
