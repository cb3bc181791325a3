"""Loading the shared HJ 212 test vectors (``shared/data/hj212``, see its README).

The directory is found relative to the repository (``/work/main`` → ``/work/shared``). If it is
missing the tests must fail, not skip: these vectors are the evidence the parser is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hj212"


@dataclass(frozen=True)
class Vector:
    """One line of a vector file: the frame (with CR LF appended) and its columns."""

    file: str
    line: int
    frame: bytes
    source: str
    verdict: str
    notes: str

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.txt')}:{self.line}"


def load(name: str) -> list[Vector]:
    """Every line of ``name`` (tab-separated: frame, source, verdict, notes)."""
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"HJ 212 test vectors missing: {path} (expected {DATA_DIR})")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        cols = [*line.split("\t"), "", "", ""]
        out.append(
            Vector(name, number, cols[0].encode("utf-8") + b"\r\n", cols[1], cols[2], cols[3])
        )
    if not out:
        raise ValueError(f"no vectors in {path}")
    return out


GOOD = load("vectors.txt")
BAD = load("vectors_bad.txt")
APPENDIX_C = load("appendix_c_frames.txt")

_WOULD_BE = re.compile(r"hj212 (?:would be|expects) ([0-9A-Fa-f]{4})")


def expected_hj212_crc(verdict: str) -> int | None:
    """The standard CRC the verdict says the frame's data segment has, if it says so."""
    match = _WOULD_BE.search(verdict)
    return int(match.group(1), 16) if match else None
