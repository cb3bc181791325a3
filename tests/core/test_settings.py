"""Settings: typed helpers fail loudly, and every variable is documented (and vice versa)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ceguan.core import env

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"


def _documented() -> set[str]:
    return set(re.findall(r"`(CEGUAN_[A-Z0-9_]+)`", DOC.read_text(encoding="utf-8")))


def _mentioned_in_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("ceguan").rglob("*.py"), ROOT / "tests" / "conftest.py"]:
        names |= set(re.findall(r"\b(CEGUAN_[A-Z0-9_]+)\b", path.read_text(encoding="utf-8")))
    return names


def test_every_setting_read_is_documented():
    import ceguan.settings  # noqa: F401  (reading the settings fills env.SETTINGS)

    read = {name for name in env.SETTINGS if not name.startswith("CEGUAN_TEST_")}
    assert read - _documented() == set()


def test_every_variable_in_the_code_is_documented_and_every_documented_one_exists():
    import ceguan.settings  # noqa: F401

    in_code = _mentioned_in_code() | set(env.SETTINGS)  # env_secret derives NAME_FILE
    assert _mentioned_in_code() - _documented() == set()
    assert _documented() - in_code == set()


@pytest.mark.parametrize("value", ["1", "yes", "True", ""])
def test_env_bool_accepts_only_true_and_false(monkeypatch, value):
    monkeypatch.setenv("CEGUAN_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=f"CEGUAN_TEST_FLAG={value!r}"):
        env.env_bool("CEGUAN_TEST_FLAG", False)


def test_env_int_names_the_variable_and_minimum(monkeypatch):
    monkeypatch.setenv("CEGUAN_TEST_NUMBER", "abc")
    with pytest.raises(ImproperlyConfigured, match="CEGUAN_TEST_NUMBER='abc'"):
        env.env_int("CEGUAN_TEST_NUMBER", 3)
    monkeypatch.setenv("CEGUAN_TEST_NUMBER", "2")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env.env_int("CEGUAN_TEST_NUMBER", 7, minimum=5)


def test_env_secret_reads_a_file_and_refuses_both(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("CEGUAN_TEST_SECRET_FILE", str(secret))
    assert env.env_secret("CEGUAN_TEST_SECRET") == "s3cret"
    monkeypatch.setenv("CEGUAN_TEST_SECRET", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.env_secret("CEGUAN_TEST_SECRET")


def test_database_urls():
    sqlite = env.database_from_url("sqlite:////srv/ceguan/db.sqlite3")
    assert sqlite["NAME"] == "/srv/ceguan/db.sqlite3"
    assert env.database_from_url("sqlite:///var/db.sqlite3")["NAME"] == "var/db.sqlite3"
    pg = env.database_from_url("postgres://ceguan:p%40ss@db.local:5433/ceguan")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "ceguan",
        "p@ss",
        "db.local",
        "5433",
        "ceguan",
    )
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        env.database_from_url("mysql://x/y")
