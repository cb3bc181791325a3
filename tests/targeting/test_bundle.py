"""Tests of the reproducibility bundle: canonical JSON round trip, verification and tampering."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ceguan.targeting.bundle import (
    BUNDLE_FORMAT,
    Bundle,
    BundleError,
    make_bundle,
    verify,
)
from ceguan.targeting.draw import commitment, draw, seed_from

SECRET = bytes.fromhex("9f" * 32)
UNITS = [(f"甘A-{i:02d}", 1.0 + (i % 7) ** 2) for i in range(25)]
N, FLOOR = 5, 0.08


@pytest.fixture
def bundle() -> Bundle:
    return make_bundle(UNITS, N, FLOOR, SECRET)


def test_correct_bundle_round_trips_and_verifies(bundle: Bundle) -> None:
    text = bundle.to_json()
    again = Bundle.from_json(text)
    assert again == bundle
    assert again.to_json() == text  # canonical: same bundle, same bytes
    result = verify(again)
    assert result.match, result.reasons
    assert result.reasons == []


def test_json_is_canonical_and_readable(bundle: Bundle) -> None:
    data = json.loads(bundle.to_json())
    assert data["format"] == BUNDLE_FORMAT
    assert list(data) == sorted(data)
    assert data["secret"] == SECRET.hex()
    assert data["commitment"] == commitment(SECRET)
    assert data["population"][0] == ["甘A-00", "1.000000"]
    text = bundle.to_json()
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert "甘" in bundle.to_json()  # UTF-8 text, not \\u escapes


def test_bundle_records_the_draw(bundle: Bundle) -> None:
    result = draw(UNITS, N, FLOOR, SECRET)
    assert bundle.selected == result.selected
    assert bundle.seed == seed_from(SECRET, bundle.population_hash).hex()


def _tampered_population(bundle: Bundle, population: list[tuple[str, str]]) -> Bundle:
    return dataclasses.replace(bundle, population=tuple(population))


def test_changed_weight_fails(bundle: Bundle) -> None:
    population = list(bundle.population)
    fid, _ = population[3]
    population[3] = (fid, "99.000000")
    result = verify(_tampered_population(bundle, population))
    assert not result.match
    assert "population_hash" in result.checks_failed
    assert "seed" in result.checks_failed


def test_removed_unit_fails(bundle: Bundle) -> None:
    result = verify(_tampered_population(bundle, list(bundle.population)[1:]))
    assert not result.match
    assert "population_hash" in result.checks_failed
    assert any("changed, added or removed" in r for r in result.reasons)


def test_added_unit_fails(bundle: Bundle) -> None:
    result = verify(_tampered_population(bundle, [*bundle.population, ("甘Z-99", "1.000000")]))
    assert not result.match
    assert "population_hash" in result.checks_failed


def test_different_secret_fails_on_commitment(bundle: Bundle) -> None:
    result = verify(dataclasses.replace(bundle, secret=bytes(32)))
    assert not result.match
    assert result.checks_failed[0] == "commitment"
    assert "differs from the published commitment" in result.reasons[0]


def test_secret_and_commitment_both_replaced_fails_on_seed(bundle: Bundle) -> None:
    # Someone re-draws with a secret of their choosing and a matching commitment: the recorded
    # seed (and, almost surely, the selection) no longer follow; the published commitment is
    # what the plan fixed, so the auditor also compares it with the plan.
    other = bytes(32)
    forged = dataclasses.replace(bundle, secret=other, commitment=commitment(other))
    result = verify(forged)
    assert not result.match
    assert "seed" in result.checks_failed


def test_changed_result_fails(bundle: Bundle) -> None:
    outsider = next(fid for fid, _ in bundle.population if fid not in bundle.selected)
    swapped = (*bundle.selected[:-1], outsider)
    result = verify(dataclasses.replace(bundle, selected=swapped))
    assert not result.match
    assert result.checks_failed == ["result"]
    assert "re-run selects" in result.reasons[0]


def test_reordered_result_fails(bundle: Bundle) -> None:
    result = verify(dataclasses.replace(bundle, selected=tuple(reversed(bundle.selected))))
    assert result.checks_failed == ["result"]


def test_changed_pi_fails(bundle: Bundle) -> None:
    pi = dict(bundle.pi)
    first = next(iter(pi))
    pi[first] += 0.01
    result = verify(dataclasses.replace(bundle, pi=pi))
    assert result.checks_failed == ["result"]
    assert "π" in result.reasons[0]


def test_changed_n_fails(bundle: Bundle) -> None:
    result = verify(dataclasses.replace(bundle, n=N + 1))
    assert set(result.checks_failed) == {"result"}


def test_unknown_algorithm_fails(bundle: Bundle) -> None:
    result = verify(dataclasses.replace(bundle, algorithm="ceguan-draw/0"))
    assert result.checks_failed == ["algorithm"]


def test_tampering_in_the_json_text_is_caught(bundle: Bundle) -> None:
    data = json.loads(bundle.to_json())
    data["population"][0][1] = "2.000000"
    result = verify(Bundle.from_json(json.dumps(data)))
    assert "population_hash" in result.checks_failed


def test_duplicate_unit_is_a_population_reason(bundle: Bundle) -> None:
    result = verify(_tampered_population(bundle, [*bundle.population, bundle.population[0]]))
    assert result.checks_failed[0] == "population"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("seed"), "missing key"),
        (lambda d: d.update(extra=1), "unknown key"),
        (lambda d: d.update(format="other/1"), "format"),
        (lambda d: d.update(secret="zz"), "secret"),
        (lambda d: d.update(n="5"), "n:"),
        (lambda d: d.update(population=[["a", 1.0]]), "population"),
        (lambda d: d.update(selected="a"), "selected"),
        (lambda d: d.update(pi={"a": "x"}), "pi"),
    ],
)
def test_malformed_json_is_rejected_with_the_key(bundle: Bundle, mutate, message: str) -> None:
    data = json.loads(bundle.to_json())
    mutate(data)
    with pytest.raises(BundleError, match=message):
        Bundle.from_json(json.dumps(data))


def test_not_json_is_rejected() -> None:
    with pytest.raises(BundleError, match="not valid JSON"):
        Bundle.from_json("{")
    with pytest.raises(BundleError, match="object"):
        Bundle.from_json("[]")
