"""Inventory of the shipped rule book: every YAML file is reachable, cited and has a unit.

A completeness test in the sense of ``shared/design/style.md`` §12 ("a standards YAML lacks a
reference").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ceguan.standards import load_rulebook, read_parameter
from ceguan.standards.rulebook import PACKAGE_DIR

YAML_FILES = sorted(PACKAGE_DIR.rglob("*.yaml"))
PARAMETER_FILES = [file for file in YAML_FILES if file.name != "index.yaml"]


def test_the_shipped_rule_book_loads() -> None:
    assert load_rulebook().all_parameters()


def test_every_parameter_file_is_in_the_tree() -> None:
    loaded = {parameter.file for parameter in load_rulebook().all_parameters()}
    assert set(PARAMETER_FILES) == loaded


def test_every_folder_with_yaml_has_an_index() -> None:
    folders = {file.parent for file in YAML_FILES}
    assert all((folder / "index.yaml").is_file() for folder in folders)


def test_no_stray_yml_files() -> None:
    assert not list(PACKAGE_DIR.rglob("*.yml"))


def test_every_parameter_has_a_reference_and_a_unit() -> None:
    for file in PARAMETER_FILES:
        parameter = read_parameter(file, file.stem)
        assert parameter.unit, file
        assert parameter.references, file
        assert all(reference.title.strip() for _, reference in parameter.references), file


def test_every_parameter_has_a_description_and_a_past_review_date() -> None:
    for parameter in load_rulebook().all_parameters():
        assert parameter.description, parameter.path
        assert parameter.last_reviewed_on <= date.today(), parameter.path


def test_every_parameter_resolves_on_its_first_date() -> None:
    for parameter in load_rulebook().all_parameters():
        first = parameter.values[0][0]
        found = parameter.value_on(first)
        assert found.reference.title, parameter.path
        assert found.unit is parameter.unit


def test_the_package_has_no_django_import() -> None:
    """The rule book is part of the functional core (architecture.md): pure, no Django."""
    for module in Path(PACKAGE_DIR).glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, module
