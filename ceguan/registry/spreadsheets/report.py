"""What an import found: counts, problems (row, column, value, reason) and rejected rows.

The same report feeds the web page, the CLI output, the rejected-rows workbook and the audit
summary, so all of them tell the user the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ceguan.registry.spreadsheets.reader import Row

#: Columns the rejected-rows workbook adds; ignored when that workbook is fixed and re-imported.
ROW_HEADER = "原行号"
REASON_HEADER = "原因"


@dataclass(frozen=True)
class Problem:
    """Why a cell (or a whole row, ``column == ""``) was refused."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column or '-'}, value {self.value!r}: {self.reason}"


@dataclass
class RejectedRow:
    """A refused row as it was in the file, with every reason it was refused."""

    number: int
    cells: dict[str, Any]
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Counts, problems and rejected rows of one file; counts are "would be" in a dry run."""

    resource: str
    headers: list[str]
    file_name: str = ""
    dry_run: bool = True
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def reject(self, row: Row, problems: list[Problem]) -> None:
        self.problems.extend(problems)
        reasons = [f"{p.column}：{p.reason}" if p.column else p.reason for p in problems]
        self.rejected_rows.append(RejectedRow(row.number, dict(row.cells), reasons))
