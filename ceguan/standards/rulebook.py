"""The rule book: a tree of folders (``index.yaml`` each) and parameter files.

Folder and file names are code names (enum values from the glossary), so a category lookup is a
path, ``rulebook.get("limits", standard, pollutant, tier, on=day)``, never an ``if`` chain —
``shared/design/style.md`` §3, after openfisca-france
``parameters/taxation_capital/epargne/livret_epargne_populaire/baremes/index.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ceguan.standards.errors import RuleBookError, UnknownParameter
from ceguan.standards.parameter import Parameter, ParameterValue, read_parameter
from ceguan.standards.schema import IndexFile, Reference, to_rulebook_error
from ceguan.standards.yamlio import read_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
"""Default root of the rule book: the data lives beside this package's modules."""

INDEX = "index.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Folder:
    """A folder of the tree, as described by its ``index.yaml``."""

    path: str
    file: Path
    description: str
    references: tuple[tuple[date, Reference], ...]
    children: tuple[str, ...]
    """Child names (parameters and folders) in ``order``, else alphabetical."""


class RuleBook:
    """All parameters under one root, addressed by dotted paths (``workplan.focus_industries``)."""

    def __init__(
        self, root: Path, folders: dict[str, Folder], parameters: dict[str, Parameter]
    ) -> None:
        self.root = root
        self._folders = folders
        self._parameters = parameters

    def get(self, *path: str, on: date) -> ParameterValue:
        """The value of the parameter at ``path`` in force on ``on``.

        ``path`` is dotted, or given in parts (``get("workplan", "focus_industries", on=d)``).
        Raises ``UnknownParameter`` or ``NotInForce``.
        """
        return self.parameter(*path).value_on(on)

    def parameter(self, *path: str) -> Parameter:
        """The parameter at ``path``, with its metadata and every dated value."""
        key = ".".join(path)
        try:
            return self._parameters[key]
        except KeyError:
            raise UnknownParameter(f"no parameter {key!r}", self.root) from None

    def folder(self, *path: str) -> Folder:
        """The folder at ``path`` (``folder()`` is the root)."""
        key = ".".join(path)
        try:
            return self._folders[key]
        except KeyError:
            raise UnknownParameter(f"no folder {key!r}", self.root) from None

    def all_parameters(self) -> tuple[Parameter, ...]:
        """Every parameter, depth-first in each folder's ``order``: the inventory."""
        return tuple(self._parameters.values())


def read_rulebook(root: Path) -> RuleBook:
    """Read and validate the whole tree under ``root`` (uncached; see ``load_rulebook``).

    Raises ``RuleBookError`` for the first problem found, naming its file and key.
    """
    folders: dict[str, Folder] = {}
    parameters: dict[str, Parameter] = {}
    _read_folder(root, "", folders, parameters)
    return RuleBook(root, folders, parameters)


@lru_cache(maxsize=8)
def load_rulebook(root: Path | None = None) -> RuleBook:
    """The rule book under ``root`` (default: this package), read once and cached."""
    return read_rulebook(PACKAGE_DIR if root is None else Path(root).resolve())


def _read_folder(
    directory: Path, path: str, folders: dict[str, Folder], parameters: dict[str, Parameter]
) -> None:
    index_file = directory / INDEX
    if not index_file.is_file():
        raise RuleBookError(f"every folder of the rule book needs an {INDEX}", directory)
    document = read_yaml(index_file)
    try:
        index = IndexFile.model_validate(document.data)
    except ValidationError as exc:
        raise to_rulebook_error(exc, index_file, document.lines) from None
    entries = _children(directory)
    names = _ordered(index, sorted(entries), index_file, document.lines.get("order"))
    references = tuple(sorted((index.reference or {}).items()))
    folders[path] = Folder(path, index_file, index.description, references, tuple(names))
    for name in names:
        child_path = f"{path}.{name}" if path else name
        entry = entries[name]
        if entry.is_dir():
            _read_folder(entry, child_path, folders, parameters)
        else:
            parameters[child_path] = read_parameter(entry, child_path)


def _children(directory: Path) -> dict[str, Path]:
    """Parameter files and sub-folders by name; Python files, ``_*`` and ``.*`` are skipped."""
    entries: dict[str, Path] = {}
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(("_", ".")) or entry.name == INDEX:
            continue
        if entry.is_dir():
            name = entry.name
        elif entry.suffix in {".yml", ".json"}:
            raise RuleBookError("rule-book files end in .yaml", entry)
        elif entry.suffix == ".yaml":
            name = entry.stem
        else:
            continue
        if not _NAME.match(name):
            raise RuleBookError("names are code names: lowercase, digits and '_'", entry)
        if name in entries:
            raise RuleBookError(f"both a folder and a file are named {name!r}", entry)
        entries[name] = entry
    return entries


def _ordered(index: IndexFile, names: list[str], file: Path, line: int | None) -> list[str]:
    if index.order is None:
        return names
    unknown = [name for name in index.order if name not in names]
    missing = [name for name in names if name not in index.order]
    duplicated = sorted({name for name in index.order if index.order.count(name) > 1})
    if unknown or missing or duplicated:
        message = f"order must list each child once; unknown {unknown}, missing {missing}"
        message += f", repeated {duplicated}" if duplicated else ""
        raise RuleBookError(message, file, "order", line)
    return list(index.order)
