"""The Examples in the library's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ceguan.hj212

MODULES = sorted(m.name for m in pkgutil.iter_modules(ceguan.hj212.__path__, "ceguan.hj212."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
