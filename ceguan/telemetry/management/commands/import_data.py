"""``ceguan import_data <file> --user NAME [--kind hourly|daily] [--dry-run] [--rejected X]``.

Imports hourly or daily data exported from the national platform (国发平台) as .xlsx or .csv
(UTF-8 or GBK), within the user's jurisdiction; the column mapping is in
``docs/guide/data-import.en.md``. Each problem is printed as ``row N, column 列名, value 'x':
reason``; the command exits with status 1 when any row was rejected, so scripts notice.
``--rejected`` writes the refused rows, with a reason column, as a workbook to fix and import again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ceguan.core.audit import acting_as
from ceguan.core.commandline import command_user
from ceguan.registry.spreadsheets.reader import SpreadsheetError
from ceguan.telemetry.files import KINDS, rejected_workbook, run_file_import


class Command(BaseCommand):
    help = "Import hourly or daily monitoring data exported from the national platform."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=".xlsx or .csv (UTF-8 or GBK)")
        parser.add_argument("--user", required=True, help="import as this user (jurisdiction)")
        parser.add_argument(
            "--kind",
            choices=[str(kind) for kind in KINDS],
            help="data kind of every row (default: the file's 数据类型 column, 小时/日)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--rejected", type=Path, help="write rejected rows to this .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"], must_edit=True)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            with acting_as(f"cli:{user.get_username()}"):
                report = run_file_import(path, user, options["kind"], options["dry_run"])
        except SpreadsheetError as error:
            raise CommandError(f"{path.name}: {error}") from None
        for problem in report.problems:
            self.stdout.write(str(problem))
        mode = "dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(
            f"{mode}{report.rows} rows: {report.frames} imported, {report.empty} without data, "
            f"{report.rejected} rejected; values: {report.new_values} new, "
            f"{report.duplicate_values} duplicate, {report.revised_values} revised"
        )
        if options["rejected"] and report.rejected:
            Path(options["rejected"]).write_bytes(rejected_workbook(report))
            self.stdout.write(f"wrote rejected rows to {options['rejected']}")
        if report.rejected:
            raise CommandError(f"{report.rejected} rows rejected", returncode=1)
