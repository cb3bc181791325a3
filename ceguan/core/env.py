"""Typed readers for ``CEGUAN_*`` environment variables.

Every setting Ceguan reads from the environment goes through one of these helpers, so a bad
value fails loudly at start-up with the variable's name and value (cf. healthchecks'
``envbool``/``envint``). ``SETTINGS`` records every name read, and a test checks that list
against ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

#: Every environment variable read through these helpers, in the order first read.
SETTINGS: dict[str, str] = {}


def _raw(name: str, default: str | None) -> str | None:
    if not name.startswith("CEGUAN_"):
        raise ImproperlyConfigured(f"setting {name!r} must start with CEGUAN_")
    SETTINGS.setdefault(name, "" if default is None else default)
    return os.environ.get(name, default)


def env_str(name: str, default: str) -> str:
    """Return the variable as text, or ``default`` when unset."""
    value = _raw(name, default)
    assert value is not None
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return ``true``/``false`` (only those words) as a bool; anything else is an error."""
    value = _raw(name, "true" if default else "false")
    if value == "true":
        return True
    if value == "false":
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 'true' or 'false'")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as an integer, at least ``minimum`` when given."""
    value = _raw(name, str(default))
    assert value is not None
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r}: must be at least {minimum}")
    return number


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped items."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """Return a secret from ``NAME`` or from the file named by ``NAME_FILE``.

    Setting both is an error, and so is a ``_FILE`` that cannot be read.
    """
    value = _raw(name, default)
    file_name = f"{name}_FILE"
    path = _raw(file_name, None)
    if path:
        if os.environ.get(name):
            raise ImproperlyConfigured(f"set {name} or {file_name}, not both")
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{file_name}={path!r}: {exc.strerror}") from None
    return value


def database_from_url(url: str, *, name: str = "CEGUAN_DATABASE_URL") -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/db`` into a DATABASES entry."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative, sqlite:////srv/db.sqlite3 absolute.
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured(f"{name}={url!r}: no database file named")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(f"{name}={url!r}: no database name")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": options.pop("test_name", None) or f"test_{database}"},
        }
    raise ImproperlyConfigured(f"{name}={url!r}: scheme must be sqlite or postgres")
