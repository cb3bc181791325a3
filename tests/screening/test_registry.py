"""The detector registry: complete, documented, versioned, and every detector honours the contract.

A completeness test in the sense of ``shared/design/style.md`` §12 and §14: a detector that is
unregistered, undocumented, or documented with other defaults than the code fails here.
"""

from __future__ import annotations

import doctest
import importlib.util
import inspect
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ceguan.screening
from ceguan.screening import (
    DETECTORS,
    DetectorNotInForce,
    Episode,
    Registry,
    RegistryError,
    Severity,
    spec_on,
)
from ceguan.screening.detectors import BUILTIN_MODULES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "detectors.md"
PACKAGE = Path(ceguan.screening.__file__).parent
#: The functional core of screening (architecture.md): pure, no Django, no I/O. The runner,
#: models and alarms beside it in the package are the Django shell.
CORE = [
    PACKAGE / "__init__.py",
    PACKAGE / "episode.py",
    PACKAGE / "registry.py",
    *sorted((PACKAGE / "detectors").glob("*.py")),
]

#: Every input a detector may require, and what the runner passes for it (docs/detectors.md,
#: "What the runner must supply"). A detector asking for anything else breaks the runner.
RUNNER_INPUTS = {
    "times", "values", "flags", "load", "o2", "received_at", "data_times", "original",
    "revised", "revised_at", "inspections", "pollutant", "limit", "range_max", "interval",
    "norm_hours",
}  # fmt: skip


def sections() -> dict[str, str]:
    """Rule id → its section of docs/detectors.md (from its ``### `rule_id``` heading)."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### `([a-z0-9_]+)`", text, flags=re.M)
    return {
        rule: re.split(r"^##? ", body, flags=re.M)[0]
        for rule, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def shown(value: object) -> str:
    """A default as the docs table shows it."""
    if isinstance(value, np.timedelta64):
        if value < np.timedelta64(1, "h"):
            return f"{value / np.timedelta64(1, 'm'):g} min"
        return f"{value / np.timedelta64(1, 'h'):g} h"
    return repr(value)


def test_every_registered_detector_is_documented_and_every_section_registered() -> None:
    assert set(sections()) == set(DETECTORS)


@pytest.mark.parametrize("rule_id", sorted(DETECTORS))
def test_the_docs_state_the_registered_version_source_inputs_and_defaults(rule_id: str) -> None:
    spec = DETECTORS[rule_id]
    section = sections()[rule_id]
    assert f"**Version:** {spec.version}, effective from {spec.effective_from:%Y-%m-%d}" in section
    assert f"**Source:** {spec.source}\n" in section
    assert f"`{spec.function.__module__}.{spec.function.__name__}`" in section
    assert spec.title_zh in section and spec.title_en in section
    inputs = ", ".join(f"`{name}`" for name in spec.inputs)
    assert f"**Inputs (the runner supplies):** {inputs}\n" in section
    for name, default in spec.tuning.items():
        assert f"| `{name}` | `{shown(default)}` |" in section, name
    for heading in ("**What.**", "**Why.**", "**Formula.**", "**False-alarm guards.**"):
        assert heading in section


@pytest.mark.parametrize("rule_id", sorted(DETECTORS))
def test_every_detector_has_a_version_a_date_a_source_and_a_full_docstring(rule_id: str) -> None:
    spec = DETECTORS[rule_id]
    assert spec.version >= 1
    assert spec.effective_from <= date.today()
    assert spec.source.strip() and spec.title_zh.strip() and spec.title_en.strip()
    doc = inspect.getdoc(spec.function) or ""
    for part in ("Parameters\n", "Returns\n", "Notes\n", "References\n", "Examples\n"):
        assert part in doc, f"{rule_id}: docstring lacks {part.strip()}"
    assert spec.summary
    assert spec.signature.return_annotation in ("list[Episode]", list[Episode])


@pytest.mark.parametrize("rule_id", sorted(DETECTORS))
def test_every_input_is_one_the_runner_knows(rule_id: str) -> None:
    assert set(DETECTORS[rule_id].inputs) <= RUNNER_INPUTS
    supply = DOCS.read_text(encoding="utf-8").split("## What the runner must supply")[1]
    for name in DETECTORS[rule_id].inputs:
        assert f"`{name}`" in supply.split("## ")[0], name


@pytest.mark.parametrize("module", BUILTIN_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_examples(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_functional_core_is_small_and_free_of_django_and_io() -> None:
    for module in CORE:
        text = module.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, module
        assert "open(" not in text and "import os" not in text, module
        assert len(text.splitlines()) < 300, module


def test_the_benchmark_calls_every_detector() -> None:
    path = ROOT / "bench" / "screening_speed.py"
    loader = importlib.util.spec_from_file_location("screening_speed", path)
    assert loader is not None and loader.loader is not None
    bench = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(bench)
    assert set(bench.calls(bench.make_data(1))) == set(DETECTORS)


def generic_inputs(n: int, fill: float) -> dict[str, Any]:
    times = np.datetime64("2026-01-05T00", "s") + np.arange(n) * np.timedelta64(1, "h")
    values = np.full(n, fill)
    return {
        "times": times, "values": values, "flags": np.full(n, "N"), "load": values,
        "o2": values, "received_at": times, "data_times": times, "original": values,
        "revised": values, "revised_at": times, "inspections": times[:1], "pollutant": "so2",
        "limit": 35.0, "range_max": 500.0, "interval": np.timedelta64(1, "h"), "norm_hours": 1.0,
    }  # fmt: skip


@pytest.mark.parametrize("rule_id", sorted(DETECTORS))
@pytest.mark.parametrize(("n", "fill"), [(0, 1.0), (1, 1.0), (1, np.nan), (40, np.nan)])
def test_every_detector_takes_empty_single_and_all_missing_series(
    rule_id: str, n: int, fill: float
) -> None:
    spec = DETECTORS[rule_id]
    given = generic_inputs(n, fill)
    with np.errstate(divide="raise", invalid="raise", over="raise"):  # no RuntimeWarning
        found = spec(**{name: given[name] for name in spec.inputs})
    assert isinstance(found, list)
    for episode in found:
        assert episode.rule_id == rule_id
        json.dumps(episode.as_dict(), allow_nan=False)


def noop(times: np.ndarray) -> list[Episode]:
    """A detector that finds nothing."""
    return []


def test_a_registry_keeps_versions_and_gives_the_one_in_force() -> None:
    registry = Registry()
    common = {"title_zh": "测试", "title_en": "Test", "source": "statistical method"}
    registry.register("demo", version=1, effective_from=date(2020, 1, 1), **common)(noop)
    registry.register("demo", version=2, effective_from=date(2024, 1, 1), **common)(noop)
    assert registry.detectors["demo"].version == 2
    assert registry.spec_on("demo", date(2023, 12, 31)).version == 1
    assert registry.spec_on("demo", date(2024, 1, 1)).version == 2
    assert [spec.version for spec in registry.versions("demo")] == [1, 2]
    assert registry.detectors["demo"].inputs == ("times",)
    with pytest.raises(DetectorNotInForce):
        registry.spec_on("demo", date(2019, 12, 31))


def test_a_registry_refuses_ambiguous_or_undocumented_registrations() -> None:
    registry = Registry()
    common = {"title_zh": "测试", "title_en": "Test", "source": "statistical method"}
    day = date(2020, 1, 1)
    registry.register("demo", version=1, effective_from=day, **common)(noop)
    with pytest.raises(RegistryError, match="must follow"):
        registry.register("demo", version=1, effective_from=date(2021, 1, 1), **common)(noop)
    with pytest.raises(RegistryError, match="must follow"):
        registry.register("demo", version=2, effective_from=day, **common)(noop)
    with pytest.raises(RegistryError, match="rule id"):
        registry.register("Demo-2", version=1, effective_from=day, **common)(noop)
    with pytest.raises(RegistryError, match="source"):
        registry.register("other", version=1, effective_from=day, title_zh="测试",
                          title_en="Test", source=" ")(noop)  # fmt: skip

    def undocumented(times: np.ndarray) -> list[Episode]:
        return []

    with pytest.raises(RegistryError, match="docstring"):
        registry.register("bare", version=1, effective_from=day, **common)(undocumented)


def test_the_project_registry_answers_by_data_date() -> None:
    assert spec_on("exceedance", date(2026, 1, 5)) is DETECTORS["exceedance"]
    with pytest.raises(DetectorNotInForce):
        spec_on("exceedance", date(2017, 4, 30))


def test_an_episode_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends before"):
        Episode("demo", 1, "so2", np.datetime64("2026-01-05T02:00"),
                np.datetime64("2026-01-05T01:00"), 1.0, Severity.INFO, {})  # fmt: skip


def plausible_month(seed: int) -> dict[str, Any]:
    """Thirty days of one normal hourly facility: a daily load cycle, SO2 following the load,
    O2 against it, a dozen calibration hours, prompt uploads, no revisions, weekly inspections."""
    rng = np.random.default_rng(seed)
    n = 720
    times = np.datetime64("2026-01-01T00", "s") + np.arange(n) * np.timedelta64(1, "h")
    load = 70 + 20 * np.sin(2 * np.pi * (np.arange(n) % 24) / 24) + rng.normal(0, 4, n)
    so2 = np.round(np.clip(0.3 * load + rng.normal(0, 2.5, n), 0.1, None), 2)
    o2 = np.round(12 - 0.05 * load + rng.normal(0, 0.3, n), 2)
    flags = np.full(n, "N")
    flags[rng.choice(n, 12, replace=False)] = "C"
    delay = np.timedelta64(3600, "s") + rng.integers(10, 300, n).astype("timedelta64[s]")
    return {
        "times": times, "values": so2, "flags": flags, "load": load, "o2": o2,
        "received_at": times + delay, "data_times": times[:0], "original": so2[:0],
        "revised": so2[:0], "revised_at": times[:0], "inspections": times[::168],
        "pollutant": "so2", "limit": 60.0, "range_max": 200.0,
        "interval": np.timedelta64(1, "h"), "norm_hours": 24.0,
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("with_load", [False, True])
def test_a_plausible_facility_month_raises_no_lead(seed: int, with_load: bool) -> None:
    """Few and right alarms: normal data, with or without the optional load, trip no detector."""
    given = plausible_month(seed)
    for rule_id, spec in DETECTORS.items():
        kwargs = {name: given[name] for name in spec.inputs}
        if with_load and "load" in spec.tuning:
            kwargs["load"] = given["load"]
        assert spec(**kwargs) == [], rule_id
