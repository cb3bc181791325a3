"""The rule-book tree: folders named by code names, one ``index.yaml`` per level, cached loading.

Convention: ``shared/design/style.md`` §3 (category trees with ``index.yaml``) and §4 (dated
variants, tested on both sides of the date).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ceguan.standards import (
    NotInForce,
    RuleBookError,
    UnknownParameter,
    load_rulebook,
    read_rulebook,
)
from tests.standards.helpers import VALID_PARAMETER, write, write_index


def make_tree(root: Path) -> Path:
    """limits/gb0000/{so2,nox}.yaml under indexed folders, plus a root parameter."""
    write_index(root, order=["limits", "deadline"])
    write(root, "deadline.yaml", VALID_PARAMETER.replace("unit: mg/m3", "unit: day"))
    write_index(root / "limits")
    write_index(root / "limits" / "gb0000", order=["so2", "nox"])
    write(root / "limits" / "gb0000", "nox.yaml", VALID_PARAMETER)
    write(root / "limits" / "gb0000", "so2.yaml", VALID_PARAMETER.replace(": 30\n", ": 35\n"))
    return root


def test_it_reads_a_tree_in_index_order(tmp_path: Path) -> None:
    rulebook = read_rulebook(make_tree(tmp_path))
    paths = [parameter.path for parameter in rulebook.all_parameters()]
    assert paths == ["limits.gb0000.so2", "limits.gb0000.nox", "deadline"]
    assert rulebook.folder("limits", "gb0000").children == ("so2", "nox")
    assert rulebook.folder().description == "A test folder."


def test_a_category_lookup_is_a_path(tmp_path: Path) -> None:
    rulebook = read_rulebook(make_tree(tmp_path))
    standard, pollutant = "gb0000", "so2"
    assert rulebook.get("limits", standard, pollutant, on=date(2021, 1, 1)).value == 35.0
    assert rulebook.get("limits.gb0000.nox", on=date(2021, 1, 1)).value == 30.0


def test_a_dated_variant_applies_from_its_date_only(tmp_path: Path) -> None:
    rulebook = read_rulebook(make_tree(tmp_path))
    assert rulebook.get("limits.gb0000.so2", on=date(2020, 6, 30)).value == 50.0
    assert rulebook.get("limits.gb0000.so2", on=date(2020, 7, 1)).value == 35.0
    with pytest.raises(NotInForce):
        rulebook.get("limits.gb0000.so2", on=date(2014, 12, 31))


def test_it_raises_unknown_parameter_for_a_wrong_path(tmp_path: Path) -> None:
    rulebook = read_rulebook(make_tree(tmp_path))
    with pytest.raises(UnknownParameter) as caught:
        rulebook.get("limits.gb0000.co", on=date(2021, 1, 1))
    assert "limits.gb0000.co" in caught.value.message
    with pytest.raises(UnknownParameter):
        rulebook.parameter("limits.gb0000")
    with pytest.raises(UnknownParameter):
        rulebook.folder("limits.gb9999")


def test_it_requires_an_index_in_every_folder(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "limits" / "gb0000" / "index.yaml").unlink()
    with pytest.raises(RuleBookError) as caught:
        read_rulebook(tmp_path)
    assert caught.value.file == tmp_path / "limits" / "gb0000"
    assert "index.yaml" in caught.value.message


def test_it_rejects_an_order_that_misses_a_child(tmp_path: Path) -> None:
    make_tree(tmp_path)
    index = write_index(tmp_path / "limits" / "gb0000", order=["so2"])
    with pytest.raises(RuleBookError) as caught:
        read_rulebook(tmp_path)
    assert (caught.value.file, caught.value.key, caught.value.line) == (index, "order", 2)
    assert "missing ['nox']" in caught.value.message


def test_it_rejects_an_order_that_names_an_unknown_child(tmp_path: Path) -> None:
    make_tree(tmp_path)
    write_index(tmp_path / "limits" / "gb0000", order=["so2", "nox", "pm"])
    with pytest.raises(RuleBookError, match=r"unknown \['pm'\]"):
        read_rulebook(tmp_path)


def test_it_rejects_an_unknown_key_in_an_index(tmp_path: Path) -> None:
    make_tree(tmp_path)
    index = write(tmp_path / "limits", "index.yaml", "description: x\nunit: h\n")
    with pytest.raises(RuleBookError) as caught:
        read_rulebook(tmp_path)
    assert (caught.value.file, caught.value.key) == (index, "unit")


def test_it_rejects_a_folder_name_that_is_not_a_code_name(tmp_path: Path) -> None:
    make_tree(tmp_path)
    write_index(tmp_path / "limits" / "GB-0000")
    with pytest.raises(RuleBookError, match="code names"):
        read_rulebook(tmp_path)


def test_it_rejects_a_yml_file(tmp_path: Path) -> None:
    make_tree(tmp_path)
    stray = write(tmp_path / "limits", "pm.yml", VALID_PARAMETER)
    with pytest.raises(RuleBookError) as caught:
        read_rulebook(tmp_path)
    assert caught.value.file == stray


def test_it_reports_a_bad_parameter_file_inside_the_tree(tmp_path: Path) -> None:
    make_tree(tmp_path)
    bad = write(tmp_path / "limits" / "gb0000", "nox.yaml", VALID_PARAMETER + "note: x\n")
    with pytest.raises(RuleBookError) as caught:
        read_rulebook(tmp_path)
    assert (caught.value.file, caught.value.key) == (bad, "note")


def test_load_rulebook_is_cached_per_root(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert load_rulebook(tmp_path) is load_rulebook(tmp_path)
    assert load_rulebook() is load_rulebook()
    assert load_rulebook() is not load_rulebook(tmp_path)
