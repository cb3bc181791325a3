"""``ceguan audit verify``: recompute the audit log's hash chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ceguan.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log (exit status 1 names the first broken row)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit log broken after {report.checked} good rows: {report.reason}"
            )
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {report.checked} rows verified"))
