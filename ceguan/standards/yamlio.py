"""Strict YAML reading for the rule book.

Two departures from ``yaml.safe_load``, both so that mistakes fail loudly:

* duplicate keys are rejected (PyYAML silently keeps the last one); cf. the duplicate-key
  constructor of openfisca-core ``openfisca_core/parameters/config.py``;
* dates are not resolved implicitly: ``2018-04-20`` stays a string so that the schema checks it
  against ``YYYY-MM-DD`` and a typo such as ``2018-4-20`` or ``2018-13-01`` is reported with its key
  instead of becoming a string or crashing inside PyYAML.

The reader also records the line of every key path, so schema errors can point at a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ceguan.standards.errors import RuleBookError

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class YamlDocument:
    """The data of one YAML file and the 1-based line of each dotted key path."""

    data: Any
    lines: dict[str, int]


def read_yaml(file: Path) -> YamlDocument:
    """Read one YAML document strictly.

    Raises
    ------
    RuleBookError
        On a syntax error, an empty file, a duplicate key, a merge key or a non-scalar key.
    """
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleBookError(f"cannot read file: {exc}", file) from exc
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RuleBookError("file is empty", file)
        lines: dict[str, int] = {}
        _check_keys(node, file, "", lines, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RuleBookError(f"invalid YAML: {exc.problem}", file, line=line) from exc
    except yaml.YAMLError as exc:
        raise RuleBookError(f"invalid YAML: {exc}", file) from exc
    finally:
        loader.dispose()
    return YamlDocument(data=data, lines=lines)


def _check_keys(
    node: Node, file: Path, path: str, lines: dict[str, int], parents: tuple[Node, ...]
) -> None:
    """Walk the node tree, rejecting duplicate, merge and non-scalar keys; record key lines."""
    if any(node is parent for parent in parents):
        raise RuleBookError("recursive alias", file, path, node.start_mark.line + 1)
    parents = (*parents, node)
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _check_keys(item, file, _join(path, str(index)), lines, parents)
        return
    if not isinstance(node, MappingNode):
        return
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise RuleBookError("keys must be plain scalars", file, path, line)
        key = str(key_node.value)
        key_path = _join(path, key)
        if key == "<<":
            raise RuleBookError("merge keys (<<) are not allowed", file, key_path, line)
        if key in seen:
            message = f"duplicate key (first written on line {seen[key]})"
            raise RuleBookError(message, file, key_path, line)
        seen[key] = line
        lines[key_path] = line
        _check_keys(value_node, file, key_path, lines, parents)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
