"""The ``ceguan`` command: Django's management commands under one name.

``ceguan demo | serve | survey | import | export | audit verify | migrate …``; each subcommand is a
management command of one of Ceguan's apps, so ``ceguan help`` lists them all.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceguan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ceguan", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
