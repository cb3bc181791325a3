"""Tests of the 双随机 draw: inclusion probabilities, the systematic PPS design, hashing, seeds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceguan.targeting.draw import (
    ALGORITHM,
    InfeasibleError,
    canonical_weight,
    commitment,
    draw,
    inclusion_probabilities,
    population_hash,
    seed_from,
    systematic_pps,
)

SECRET = bytes(range(32))
#: 30 facilities with geometric (skewed) risk weights: 17 end at the floor, 2 are certain.
SKEWED = 1.3 ** np.arange(30)
UNITS = [(f"F{i:03d}", float(w)) for i, w in enumerate(SKEWED)]


# --- inclusion_probabilities -------------------------------------------------------------------


def test_hand_computed_cap_and_redistribution() -> None:
    # w = (1, 1, 2, 16), n = 2: 16/20·2 = 1.6 > 1 → capped at 1; the remaining 1 draw goes
    # 1:1:2 → 0.25, 0.25, 0.5, all above the floor 0.2.
    pi = inclusion_probabilities([1, 1, 2, 16], n=2, floor=0.2)
    np.testing.assert_allclose(pi, [0.25, 0.25, 0.5, 1.0], atol=1e-12)


def test_hand_computed_floor_and_zero_weight() -> None:
    # w = (5, 1, 1, 1, 0, 0, 3), n = 3, floor 0.1: zeros → 0.1 each; c·5 ≥ 1 → 1;
    # the remaining 3 − 1 − 0.2 = 1.8 goes 1:1:1:3 → 0.3, 0.3, 0.3, 0.9.
    pi = inclusion_probabilities([5, 1, 1, 1, 0, 0, 3], n=3, floor=0.1)
    np.testing.assert_allclose(pi, [1, 0.3, 0.3, 0.3, 0.1, 0.1, 0.9], atol=1e-12)


FEASIBLE = [
    (n, floor)
    for n in (1, 3, 6, 12, 20, 29, 30)
    for floor in (0.0, 0.02, 0.05, 0.1)
    if floor * 30 <= n  # infeasible pairs are covered by test_infeasible
]


@pytest.mark.parametrize(("n", "floor"), FEASIBLE)
def test_sum_floor_cap_and_proportionality(n: int, floor: float) -> None:
    assert SKEWED.size == 30
    pi = inclusion_probabilities(SKEWED, n, floor)
    assert pi.sum() == pytest.approx(n, abs=1e-9)
    assert np.all(pi >= floor - 1e-15)
    assert np.all(pi <= 1.0)
    # Units strictly between the floor and 1 keep the ratios of their weights.
    free = (pi > floor + 1e-12) & (pi < 1 - 1e-12)
    if free.sum() >= 2:
        ratio = pi[free] / SKEWED[free]
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
        # …and the scale is consistent with the clipped units: capped ones would exceed 1,
        # floored ones would fall below the floor.
        c = ratio[0]
        assert np.all(c * SKEWED[pi >= 1 - 1e-12] >= 1 - 1e-9)
        assert np.all(c * SKEWED[pi <= floor + 1e-12] <= floor + 1e-9)


def test_skewed_population_exercises_floor_cap_and_free_units() -> None:
    pi = inclusion_probabilities(SKEWED, 6, 0.05)
    assert (pi == 0.05).sum() == 17
    assert (pi == 1.0).sum() == 2
    assert ((pi > 0.05) & (pi < 1)).sum() == 11


@given(
    weights=st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e4)), min_size=1, max_size=40),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)
def test_properties_hold_for_any_feasible_input(weights: list[float], data: st.DataObject) -> None:
    size = len(weights)
    positive = sum(w > 0 for w in weights)
    floor = data.draw(st.sampled_from([0.0, 0.01, 0.1, 0.5]))
    n_min = int(np.ceil(floor * size - 1e-9))
    n_max = int(np.floor(positive + floor * (size - positive) + 1e-9))
    if n_min > n_max:
        with pytest.raises(InfeasibleError):
            inclusion_probabilities(weights, n_min, floor)
        return
    n = data.draw(st.integers(n_min, n_max))
    pi = inclusion_probabilities(weights, n, floor)
    assert pi.sum() == pytest.approx(n, abs=1e-9 * max(1, n))
    assert np.all((pi >= floor - 1e-12) & (pi <= 1))


def test_infeasible_floor_raises_with_the_numbers() -> None:
    # 30 units × floor 0.25 = 7.5 expected draws > n = 6.
    with pytest.raises(InfeasibleError, match=r"0\.25 × 30 units = 7\.5 draws > n = 6"):
        inclusion_probabilities(SKEWED, 6, 0.25)


def test_infeasible_too_few_positive_weights() -> None:
    with pytest.raises(InfeasibleError, match="only 2 units have a positive weight"):
        inclusion_probabilities([1, 2, 0, 0], 3, 0.0)


@pytest.mark.parametrize(
    ("weights", "n", "floor"),
    [([1, -1], 1, 0.0), ([1, np.nan], 1, 0.0), ([[1, 2]], 1, 0.0), ([1, 2], 1, 1.5)],
)
def test_bad_input_raises(weights: object, n: int, floor: float) -> None:
    with pytest.raises(ValueError):
        inclusion_probabilities(weights, n, floor)  # type: ignore[arg-type]


def test_n_must_be_an_integer_within_the_population() -> None:
    with pytest.raises(TypeError):
        inclusion_probabilities([1, 2], 1.5, 0.0)  # type: ignore[arg-type]
    with pytest.raises(InfeasibleError):
        inclusion_probabilities([1, 2], 3, 0.0)


def test_edge_cases_all_floor_and_all_certain() -> None:
    np.testing.assert_array_equal(inclusion_probabilities([1, 2, 3, 4], 2, 0.5), [0.5] * 4)
    np.testing.assert_array_equal(inclusion_probabilities([1, 2, 0], 2, 0.0), [1, 1, 0])
    np.testing.assert_array_equal(inclusion_probabilities([1, 2, 3], 3, 0.0), [1, 1, 1])


# --- systematic_pps ----------------------------------------------------------------------------


def test_same_seed_same_sample_and_different_seed_differs() -> None:
    pi = inclusion_probabilities(SKEWED, 6, 0.05)
    first = systematic_pps(pi, b"seed-1")
    assert systematic_pps(pi, b"seed-1") == first
    others = {tuple(systematic_pps(pi, f"seed-{i}".encode())) for i in range(2, 30)}
    assert len(others) > 20


def test_pinned_sample_guards_the_algorithm_version() -> None:
    # If this changes, the draw changed: bump ALGORITHM and keep the old one re-runnable.
    assert ALGORITHM == "ceguan-draw/1 (random-order systematic PPS, PCG64)"
    pi = inclusion_probabilities(SKEWED, 6, 0.05)
    assert systematic_pps(pi, hashlib.sha256(b"pinned").digest()) == PINNED


PINNED = [27, 17, 28, 15, 29, 25]


def test_certain_and_zero_units() -> None:
    for i in range(50):
        s = systematic_pps([1.0, 0.0, 0.5, 0.5, 1.0, 0.0], bytes([i]))
        assert len(s) == 3
        assert {0, 4} <= set(s)
        assert not {1, 5} & set(s)


def test_pi_must_sum_to_an_integer() -> None:
    with pytest.raises(ValueError, match="integer"):
        systematic_pps([0.5, 0.6], b"x")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        systematic_pps([1.5, 0.5], b"x")


def test_empirical_inclusion_frequencies_match_pi() -> None:
    """4,000 independent draws of 6 from the 30 skewed facilities, through :func:`draw`.

    Each facility's selection count over R draws is Binomial(R, π_i) (draws are independent
    given distinct seeds), so its frequency f_i has standard error sqrt(π_i(1 − π_i)/R). We
    require |f_i − π_i| ≤ 4 standard errors (+1e-12 for the certain units, whose SE is 0). For
    one unit a 4-SE excursion has probability ≈ 6.3e-5; over 30 units < 2e-3. The seeds are
    fixed, so the test is deterministic: it fails only if the design's inclusion probabilities
    are not π (a bias of ~0.02 on a π of 0.5 is ~2.5 SE and on the floored units 0.01 is ~3 SE,
    so systematic errors of that size are caught in aggregate by the chi-square check below).
    """
    reps, n, floor = 4000, 6, 0.05
    counts = dict.fromkeys((fid for fid, _ in UNITS), 0)
    pi: dict[str, float] = {}
    for r in range(reps):
        result = draw(UNITS, n, floor, r.to_bytes(16, "big"))
        assert len(result.selected) == n
        assert len(set(result.selected)) == n
        for fid in result.selected:
            counts[fid] += 1
        pi = result.pi
    ids = sorted(counts)
    f = np.array([counts[k] / reps for k in ids])
    p = np.array([pi[k] for k in ids])
    se = np.sqrt(p * (1 - p) / reps)
    assert np.all(np.abs(f - p) <= 4 * se + 1e-12), np.abs(f - p) / np.maximum(se, 1e-300)
    # Aggregate: Σ z² over the 28 uncertain units ~ χ²(28) (approximately; the counts are
    # weakly dependent through the fixed size); its 99.9 % quantile is 56.9.
    uncertain = p < 1
    chi2 = float((((f - p)[uncertain] / se[uncertain]) ** 2).sum())
    assert chi2 < 56.9


# --- hashing, commitment, seed, draw -----------------------------------------------------------


def test_population_hash_ignores_order_but_not_content() -> None:
    base = population_hash(UNITS)
    assert population_hash(list(reversed(UNITS))) == base
    assert population_hash([(fid, str(w)) for fid, w in UNITS]) == base
    changed = [*UNITS[:-1], (UNITS[-1][0], UNITS[-1][1] + 0.001)]
    assert population_hash(changed) != base
    assert population_hash(UNITS[:-1]) != base
    assert population_hash([*UNITS, ("F999", 1.0)]) != base
    renamed = [("G000", UNITS[0][1]), *UNITS[1:]]
    assert population_hash(renamed) != base


def test_canonical_weight_fixed_precision() -> None:
    assert canonical_weight(2.5) == "2.500000"
    assert canonical_weight(2) == "2.000000"
    assert canonical_weight("1e-3") == "0.001000"
    assert canonical_weight(0.1 + 0.2) == "0.300000"
    assert canonical_weight("-0") == "0.000000"
    for bad in (-1, float("nan"), float("inf"), "abc", True):
        with pytest.raises((ValueError, TypeError)):
            canonical_weight(bad)  # type: ignore[arg-type]


def test_population_rejects_duplicates_and_bad_ids() -> None:
    with pytest.raises(ValueError, match="twice"):
        population_hash([("a", 1), ("a", 2)])
    with pytest.raises(ValueError, match="non-empty string"):
        population_hash([(1, 1)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="empty"):
        population_hash([])


def test_commitment_and_seed_are_sha256() -> None:
    assert commitment(SECRET) == hashlib.sha256(SECRET).hexdigest()
    digest = population_hash(UNITS)
    assert seed_from(SECRET, digest) == hashlib.sha256(SECRET + digest.encode()).digest()
    with pytest.raises(ValueError, match="at least 16 bytes"):
        commitment(b"short")
    with pytest.raises(ValueError, match="hex"):
        seed_from(SECRET, "not-a-hash")


def test_draw_is_deterministic_and_order_free() -> None:
    a = draw(UNITS, 6, 0.05, SECRET)
    b = draw(list(reversed(UNITS)), 6, 0.05, SECRET)
    assert a == b
    assert a.algorithm == ALGORITHM
    assert a.population_hash == population_hash(UNITS)
    assert a.seed == seed_from(SECRET, a.population_hash).hex()
    assert set(a.pi) == {fid for fid, _ in UNITS}
    assert sum(a.pi.values()) == pytest.approx(6)
    assert draw(UNITS, 6, 0.05, bytes(32)).seed != a.seed


@pytest.mark.parametrize("module", ["ceguan.targeting.draw", "ceguan.targeting.bundle"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    import sys

    importlib.import_module(module)  # the package re-exports draw(), shadowing the module name
    failed, _ = doctest.testmod(sys.modules[module])
    assert failed == 0
