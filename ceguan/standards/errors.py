"""Errors raised by the rule book.

Every error names the file and the key path inside it, after OpenFisca's
``ParameterParsingError(msg, file_path)`` (openfisca-core
``openfisca_core/parameters/parameter.py``), so that a broken rule book says where to look.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


class RuleBookError(Exception):
    """A rule-book file is malformed, or a lookup cannot be answered.

    Parameters
    ----------
    message : str
        What is wrong, and what to do about it.
    file : Path
        The YAML file (or folder) concerned.
    key : str
        Dotted key path inside the file (``metadata.reference.2018-04-20.title``); empty for the
        whole file.
    line : int, optional
        1-based line in ``file`` where ``key`` is written, when known.
    """

    def __init__(self, message: str, file: Path, key: str = "", line: int | None = None) -> None:
        self.message = message
        self.file = Path(file)
        self.key = key
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class NotInForce(RuleBookError):
    """The parameter has no value on the date asked: before its first date, or repealed.

    Raised instead of returning a default, as OpenFisca does
    (``tests/core/test_parameters.py::test_param_before_it_is_defined``).
    """

    def __init__(self, message: str, file: Path, key: str, on: date) -> None:
        self.on = on
        super().__init__(message, file, key)


class UnknownParameter(RuleBookError):
    """No parameter or folder exists at the requested path."""
