"""Helpers that write small rule-book trees into a temporary folder."""

from __future__ import annotations

from pathlib import Path

VALID_PARAMETER = """\
description: A test limit.
metadata:
  unit: mg/m3
  reference:
    2015-01-01:
      title: GB 0000-2015 表1
      clause: "4.1"
      href: https://example.org/gb0000
  verified: false
  last_reviewed_on: 2026-11-28
values:
  2015-01-01: 50
  2020-07-01: 30
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` (creating folders) and return the file."""
    file = folder / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def write_index(folder: Path, order: list[str] | None = None) -> Path:
    """Write a minimal ``index.yaml`` in ``folder``."""
    text = "description: A test folder.\n"
    if order is not None:
        text += "order:\n" + "".join(f"  - {name}\n" for name in order)
    return write(folder, "index.yaml", text)
