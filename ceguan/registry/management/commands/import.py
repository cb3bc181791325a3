"""``ceguan import <resource> <file> --user NAME``: import an xlsx/csv into the registry.

Each problem is printed as ``row N, column 列名, value 'x': reason``; the command exits with status
1 when any row was rejected, so scripts notice. ``--rejected`` writes the refused rows, with a
reason column, as a workbook to fix and import again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ceguan.core.audit import acting_as
from ceguan.core.commandline import command_user
from ceguan.registry.spreadsheets.columns import SPECS
from ceguan.registry.spreadsheets.exporter import rejected_xlsx
from ceguan.registry.spreadsheets.importer import run_import
from ceguan.registry.spreadsheets.reader import SpreadsheetError


class Command(BaseCommand):
    help = "Import enterprises, outlets, facilities, operators, agencies or personnel from a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resource", choices=sorted(SPECS), help="what the file holds")
        parser.add_argument("file", type=Path, help=".xlsx or .csv (UTF-8 or GBK)")
        parser.add_argument("--user", required=True, help="import as this user (jurisdiction)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--rejected", type=Path, help="write rejected rows to this .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"], must_edit=True)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            with acting_as(f"cli:{user.get_username()}"):
                report = run_import(options["resource"], path, user, options["dry_run"])
        except SpreadsheetError as error:
            raise CommandError(f"{path.name}: {error}") from None
        for problem in report.problems:
            self.stdout.write(str(problem))
        mode = "dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(
            f"{mode}{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected"
        )
        if options["rejected"] and report.rejected:
            Path(options["rejected"]).write_bytes(rejected_xlsx(report))
            self.stdout.write(f"wrote rejected rows to {options['rejected']}")
        if report.rejected:
            raise CommandError(f"{report.rejected} rows rejected", returncode=1)
