"""The 双随机 draw: risk-weighted inclusion probabilities with a floor, and a verifiable PPS draw.

Pure functions, no Django and no I/O. The sequence of a quarterly draw is:

1. the plan publishes :func:`commitment` of a fresh secret (:func:`new_secret`) *before* the
   population is frozen, so nobody can pick the seed after seeing the population;
2. the population is frozen as ``(facility_id, weight)`` pairs and hashed with
   :func:`population_hash` (canonical: order-free, weights at :data:`WEIGHT_DECIMALS` places);
3. at the draw the secret is revealed, the seed is :func:`seed_from` (secret ‖ population hash),
   :func:`inclusion_probabilities` turns weights into π (summing to ``n``, each in
   ``[floor, 1]``) and :func:`systematic_pps` selects exactly ``n`` distinct units with
   inclusion probabilities π.

:func:`draw` runs steps 2–3 and returns a :class:`DrawResult`; ``ceguan.targeting.bundle``
packs everything needed to re-run it. The algorithm is identified by :data:`ALGORITHM`; any
change to the canonical encoding, the seed derivation, the PRNG use or the design needs a new
version string, and the old one must stay re-runnable.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Version string of this draw algorithm, recorded in every result and bundle.
ALGORITHM = "ceguan-draw/1 (random-order systematic PPS, PCG64)"
#: Decimal places kept of each weight in the canonical population (and used by the draw).
WEIGHT_DECIMALS = 6
#: Shortest secret accepted [bytes]; a short secret could be guessed from its commitment.
MIN_SECRET_BYTES = 16
#: Domain-separation prefix of the canonical population encoding.
POPULATION_PREFIX = b"ceguan-population/1\n"

Floats = NDArray[np.float64]
Weight = float | int | Decimal | str

_QUANTUM = Decimal(1).scaleb(-WEIGHT_DECIMALS)
_TWO64 = 1 << 64
_CERTAIN = 1.0 - 1e-12


class InfeasibleError(ValueError):
    """No inclusion probabilities in ``[floor, 1]`` can sum to the requested sample size."""


@dataclass(frozen=True)
class DrawResult:
    """The outcome of one draw.

    Attributes
    ----------
    selected : tuple of str
        Facility ids selected, in draw order (order along the random permutation).
    pi : dict of str to float
        Target inclusion probability of every unit of the population, by facility id [-].
    n : int
        Sample size.
    floor : float
        Minimum inclusion probability of every unit [-].
    seed : str
        Hex of the 32-byte seed, SHA-256(secret ‖ population hash).
    population_hash : str
        Hex SHA-256 of the canonical population (:func:`population_hash`).
    algorithm : str
        :data:`ALGORITHM` at the time of the draw.
    """

    selected: tuple[str, ...]
    pi: dict[str, float] = field(repr=False)
    n: int
    floor: float
    seed: str
    population_hash: str
    algorithm: str = ALGORITHM


def _check_n(n: int, size: int) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"n must be an integer, got {n!r}")
    if not 0 <= int(n) <= size:
        raise InfeasibleError(f"n={n} is outside 0..{size} (the number of units)")
    return int(n)


def inclusion_probabilities(weights: ArrayLike, n: int, floor: float = 0.0) -> Floats:
    """Target inclusion probabilities proportional to weight, floored at ``floor``, capped at 1.

    Parameters
    ----------
    weights : array_like
        Risk weight of each unit, finite and ≥ 0 [-]. A unit of weight 0 gets ``floor``.
    n : int
        Sample size: the probabilities sum to ``n``.
    floor : float, default 0
        Minimum inclusion probability of every eligible unit, in ``[0, 1]`` [-].

    Returns
    -------
    pi : ndarray
        π_i in ``[floor, 1]``, ``Σ π_i = n`` (to rounding, ≤ 1e-9·n).

    Raises
    ------
    InfeasibleError
        If ``floor·N > n`` (the floor alone needs more than ``n`` draws), or if ``n`` exceeds
        the number of units of positive weight plus ``floor`` times the number of weight 0
        (even with every positive unit certain the sum cannot reach ``n``).

    Notes
    -----
    The result is π_i = clip(c·w_i, floor, 1) with the unique-in-effect scale c ≥ 0 such that
    Σ π_i = n. This is the fixed point of the usual iteration (cap units with c·w_i > 1 at 1,
    raise units with c·w_i < floor to the floor, redistribute the rest of ``n`` proportionally
    to the remaining weights, repeat), computed exactly: f(c) = Σ clip(c·w_i, floor, 1) is
    continuous, non-decreasing and linear between the breakpoints floor/w_i and 1/w_i, so a
    binary search over the sorted breakpoints finds the linear piece that reaches ``n`` and c is
    solved on it. Units strictly between the floor and 1 keep π_i/π_j = w_i/w_j.

    References
    ----------
    .. [1] Tillé, Y. (2006). *Sampling Algorithms*. Springer, §2.10 "Computation of the
       inclusion probabilities" (capping at 1 and redistributing).
    .. [2] Särndal, C.-E., Swensson, B., Wretman, J. (1992). *Model Assisted Survey Sampling*.
       Springer, §3.6 (πps sampling).

    Examples
    --------
    >>> inclusion_probabilities([1, 1, 2, 16], n=2, floor=0.2).round(4).tolist()
    [0.25, 0.25, 0.5, 1.0]
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError("weights must be one-dimensional")
    if not bool(np.all(np.isfinite(w) & (w >= 0))):
        raise ValueError("weights must be finite and non-negative")
    size = w.size
    n = _check_n(n, size)
    floor = float(floor)
    if not 0.0 <= floor <= 1.0:
        raise ValueError(f"floor must be in [0, 1], got {floor}")
    tol = 1e-9 * max(1, n)
    pos = w > 0
    low = floor * size  # f(0): everyone at the floor
    high = int(pos.sum()) + floor * int((~pos).sum())  # f(∞): every positive unit certain
    if low > n + tol:
        raise InfeasibleError(
            f"floor {floor} × {size} units = {low:g} draws > n = {n}: lower the floor or raise n"
        )
    if n > high + tol:
        raise InfeasibleError(
            f"n = {n} but only {int(pos.sum())} units have a positive weight and the floor gives "
            f"the other {int((~pos).sum())} at most {floor * int((~pos).sum()):g}"
        )
    if low >= n - tol:
        return np.full(size, floor)
    if high <= n + tol:
        return np.where(pos, 1.0, floor)

    w = w / float(w.max())  # scale-free: only ratios matter; keeps 1/w_i finite
    wp = w[pos]
    breaks = np.unique(np.concatenate([floor / wp, 1.0 / wp]))

    def total(c: float) -> float:
        return float(np.clip(c * w, floor, 1.0).sum())

    # Largest k with total(breaks[k]) <= n (k = -1 if none); total(breaks[-1]) = high > n.
    lo_k, hi_k = -1, breaks.size - 1
    while hi_k - lo_k > 1:
        mid = (lo_k + hi_k) // 2
        if total(float(breaks[mid])) <= n:
            lo_k = mid
        else:
            hi_k = mid
    lo = float(breaks[lo_k]) if lo_k >= 0 else 0.0
    c_mid = 0.5 * (lo + float(breaks[hi_k]))
    capped = pos & (c_mid * w >= 1.0)
    raised = c_mid * w <= floor
    free = ~(capped | raised)
    c = (n - int(capped.sum()) - floor * int(raised.sum())) / float(w[free].sum())
    pi = np.where(capped, 1.0, np.where(raised, floor, c * w))
    return np.clip(pi, floor, 1.0)


def _bit_generator(seed_bytes: bytes) -> np.random.PCG64:
    if not isinstance(seed_bytes, bytes | bytearray) or len(seed_bytes) == 0:
        raise ValueError("seed_bytes must be non-empty bytes")
    return np.random.PCG64(np.random.SeedSequence(int.from_bytes(seed_bytes, "big")))


def _below(bg: np.random.PCG64, bound: int) -> int:
    """Uniform integer in ``[0, bound)`` from raw 64-bit outputs, by rejection (unbiased)."""
    limit = _TWO64 - _TWO64 % bound
    while True:
        r = int(bg.random_raw())
        if r < limit:
            return r % bound


def _permutation(bg: np.random.PCG64, size: int) -> list[int]:
    """Fisher–Yates (Durstenfeld) shuffle of ``range(size)`` driven by :func:`_below`."""
    out = list(range(size))
    for i in range(size - 1, 0, -1):
        j = _below(bg, i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def _uniform(bg: np.random.PCG64) -> float:
    """Uniform float in ``[0, 1)`` from the top 53 bits of one raw 64-bit output."""
    return (int(bg.random_raw()) >> 11) * 2.0**-53


def systematic_pps(pi: ArrayLike, seed_bytes: bytes) -> list[int]:
    """Randomly ordered systematic πps sampling: exactly n distinct units, P(i ∈ s) = π_i.

    Parameters
    ----------
    pi : array_like
        Inclusion probabilities in ``[0, 1]`` whose sum is an integer n (to 1e-6) [-].
    seed_bytes : bytes
        Seed of the PRNG; the same seed and π give the same sample.

    Returns
    -------
    selected : list of int
        Indices into ``pi`` of the n selected units, in draw order (their order in the random
        permutation).

    Notes
    -----
    The units are put in a random order (Fisher–Yates), then laid end to end on [0, n) with
    lengths π_i; with one uniform u ∈ [0, 1) the points u, u+1, …, u+n−1 select the units whose
    interval [C_{i−1}, C_i) contains a point. Each interval is hit with probability exactly π_i
    whatever the order, and at most once because π_i ≤ 1, so the design is fixed-size, without
    replacement and exact in its first-order inclusion probabilities; the random order makes the
    joint probabilities π_ij positive for most pairs (Hartley & Rao 1962). Units with
    π_i ≥ 1 − 1e-12 are taken with certainty and units with π_i = 0 never; the rest go through
    the systematic pass.

    Randomness: ``PCG64(SeedSequence(int.from_bytes(seed_bytes, "big")))``, read only through
    ``random_raw()`` (bit-generator streams are stable across numpy versions, unlike
    ``Generator`` methods): one unbiased bounded integer (rejection on 64-bit words) per
    Fisher–Yates step i = N−1 … 1, then u = (next word >> 11)·2⁻⁵³.

    References
    ----------
    .. [1] Madow, W. G. (1949). On the theory of systematic sampling, II. *Annals of
       Mathematical Statistics* 20(3), 333–354.
    .. [2] Goodman, R., Kish, L. (1950). Controlled selection — a technique in probability
       sampling. *JASA* 45(251), 350–372 (random ordering before systematic selection).
    .. [3] Hartley, H. O., Rao, J. N. K. (1962). Sampling with unequal probabilities and without
       replacement. *Annals of Mathematical Statistics* 33(2), 350–374.
    .. [4] Tillé, Y. (2006). *Sampling Algorithms*. Springer, §7.2 "Systematic sampling with
       unequal probabilities", Algorithm 7.1.
    .. [5] O'Neill, M. E. (2014). PCG: a family of simple fast space-efficient statistically
       good algorithms for random number generation. HMC-CS-2014-0905.

    Examples
    --------
    >>> s = systematic_pps([0.5, 0.5, 1.0, 0.0], b"seed")
    >>> len(s), 2 in s, 3 in s
    (2, True, False)
    """
    p = np.asarray(pi, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("pi must be one-dimensional")
    if not bool(np.all(np.isfinite(p) & (p >= -1e-12) & (p <= 1 + 1e-12))):
        raise ValueError("pi must lie in [0, 1]")
    s = float(p.sum())
    n = round(s)
    if abs(s - n) > 1e-6:
        raise ValueError(f"pi must sum to an integer sample size, got {s}")
    bg = _bit_generator(seed_bytes)
    order = _permutation(bg, p.size)
    u = _uniform(bg)

    q = p[order]
    certain = q >= _CERTAIN
    rest = np.flatnonzero(~certain & (q > 0))
    n_rest = n - int(certain.sum())
    taken = certain.copy()
    if n_rest > 0:
        cum = np.cumsum(q[rest])
        cum[-1] = n_rest  # absorb rounding so every point u + j (j < n_rest) lands in a unit
        hits = np.searchsorted(cum, u + np.arange(n_rest), side="right")
        if np.unique(hits).size != n_rest:  # pragma: no cover - needs π_i > 1
            raise RuntimeError("systematic pass hit a unit twice; pi is not a valid design")
        taken[rest[hits]] = True
    elif n_rest < 0:
        raise ValueError(f"{int(certain.sum())} certain units exceed the sample size {n}")
    return [order[k] for k in np.flatnonzero(taken).tolist()]


def canonical_weight(weight: Weight) -> str:
    """A weight as the fixed-point decimal string of the canonical population.

    Parameters
    ----------
    weight : float, int, Decimal or str
        Risk weight, finite and ≥ 0 [-].

    Returns
    -------
    text : str
        The weight rounded half-even to :data:`WEIGHT_DECIMALS` places, e.g. ``"2.500000"``.

    Examples
    --------
    >>> canonical_weight(2.5), canonical_weight("0.1234565")
    ('2.500000', '0.123456')
    """
    if isinstance(weight, bool):
        raise TypeError("a weight cannot be a bool")
    try:
        d = Decimal(str(weight)) if isinstance(weight, float | int) else Decimal(weight)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"weight {weight!r} is not a number") from exc
    if not d.is_finite() or d < 0:
        raise ValueError(f"weight {weight!r} must be finite and non-negative")
    text = str(d.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN))
    return "0." + "0" * WEIGHT_DECIMALS if text.startswith("-") else text


def canonical_population(units: Sequence[tuple[str, Weight]]) -> list[tuple[str, str]]:
    """The population sorted by facility id (code-point order) with canonical weight strings.

    Raises ``ValueError`` on an empty population, a non-string or empty id, or a duplicate id.
    """
    out: dict[str, str] = {}
    for unit in units:
        fid, weight = unit
        if not isinstance(fid, str) or not fid:
            raise ValueError(f"facility id must be a non-empty string, got {fid!r}")
        if fid in out:
            raise ValueError(f"facility id {fid!r} appears twice in the population")
        out[fid] = canonical_weight(weight)
    if not out:
        raise ValueError("the population is empty")
    return sorted(out.items())


def population_hash(units: Sequence[tuple[str, Weight]]) -> str:
    """SHA-256 (hex) of the canonical encoding of a population of ``(facility_id, weight)``.

    Parameters
    ----------
    units : sequence of (str, weight)
        The frozen population; order does not matter, ids must be unique.

    Returns
    -------
    digest : str
        64 hex digits.

    Notes
    -----
    Encoding: ``b"ceguan-population/1\\n"`` followed by the UTF-8 JSON array
    ``[["id","w"],…]`` sorted by id, weights as :func:`canonical_weight` strings, no spaces.
    Reordering the units leaves it unchanged; adding, removing or re-weighting a unit (beyond
    the 6th decimal) changes it.

    References
    ----------
    .. [1] FIPS PUB 180-4 (2015), Secure Hash Standard, §6.2 (SHA-256).

    Examples
    --------
    >>> population_hash([("a", 1), ("b", 2.0)]) == population_hash([("b", "2"), ("a", 1.0)])
    True
    """
    body = json.dumps(canonical_population(units), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(POPULATION_PREFIX + body.encode("utf-8")).hexdigest()


def new_secret() -> bytes:
    """A fresh 32-byte secret from the OS CSPRNG, to be committed to before the population."""
    return secrets.token_bytes(32)


def _check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, bytes | bytearray):
        raise TypeError("secret must be bytes")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes, got {len(secret)}")
    return bytes(secret)


def commitment(secret: bytes) -> str:
    """The published commitment to a secret: SHA-256(secret), hex.

    References
    ----------
    .. [1] FIPS PUB 180-4 (2015), Secure Hash Standard.

    Examples
    --------
    >>> commitment(bytes(16))[:16]
    '374708fff7719dd5'
    """
    return hashlib.sha256(_check_secret(secret)).hexdigest()


def seed_from(secret: bytes, population_hash: str) -> bytes:
    """Seed of the draw: SHA-256(secret ‖ population hash as ASCII hex), 32 bytes.

    The secret is fixed (by its commitment) before the population is frozen and the population
    is fixed before the secret is revealed, so neither side can steer the seed.

    Examples
    --------
    >>> len(seed_from(bytes(16), "00" * 32))
    32
    """
    if not (
        isinstance(population_hash, str)
        and len(population_hash) == 64
        and all(ch in "0123456789abcdef" for ch in population_hash)
    ):
        raise ValueError("population_hash must be 64 lower-case hex digits")
    return hashlib.sha256(_check_secret(secret) + population_hash.encode("ascii")).digest()


def draw(units: Sequence[tuple[str, Weight]], n: int, floor: float, secret: bytes) -> DrawResult:
    """Draw ``n`` facilities from a frozen population, weighted by risk with a floor.

    Parameters
    ----------
    units : sequence of (str, weight)
        ``(facility_id, weight)`` of every eligible facility; weights are used at their
        canonical precision (:data:`WEIGHT_DECIMALS` places), order does not matter.
    n : int
        Number of facilities to draw.
    floor : float
        Minimum inclusion probability of every facility [-] (from the rule book).
    secret : bytes
        The secret whose :func:`commitment` was published before the population was frozen.

    Returns
    -------
    DrawResult

    Notes
    -----
    population hash → seed = :func:`seed_from` → π = :func:`inclusion_probabilities` over the
    units sorted by id → :func:`systematic_pps`. Deterministic given (units, n, floor, secret).

    References
    ----------
    .. [1] Tillé, Y. (2006). *Sampling Algorithms*. Springer, §7.2.

    Examples
    --------
    >>> units = [("f1", 1), ("f2", 1), ("f3", 3), ("f4", 5)]
    >>> r = draw(units, n=2, floor=0.25, secret=bytes(16))
    >>> len(r.selected), round(sum(r.pi.values()), 9)
    (2, 2.0)
    """
    population = canonical_population(units)
    digest = population_hash(population)
    seed = seed_from(secret, digest)
    if not math.isfinite(float(floor)):
        raise ValueError("floor must be finite")
    weights = np.array([float(w) for _, w in population])
    pi = inclusion_probabilities(weights, n, floor)
    picked = systematic_pps(pi, seed)
    ids = [fid for fid, _ in population]
    return DrawResult(
        selected=tuple(ids[i] for i in picked),
        pi={fid: float(p) for fid, p in zip(ids, pi, strict=True)},
        n=int(n),
        floor=float(floor),
        seed=seed.hex(),
        population_hash=digest,
    )
