"""``ceguan export <resource> <out.xlsx> --user NAME``: the rows a user may see, as xlsx.

The workbook has the import template's columns, so it can be edited and imported back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ceguan.core.commandline import command_user
from ceguan.registry.spreadsheets.columns import SPECS, spec_for
from ceguan.registry.spreadsheets.exporter import export_xlsx


class Command(BaseCommand):
    help = "Export a registry resource, as seen by a user, to an .xlsx workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resource", choices=sorted(SPECS), help="what to export")
        parser.add_argument("out", type=Path, help="the .xlsx file to write")
        parser.add_argument("--user", required=True, help="export what this user may see")

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"])
        model = spec_for(options["resource"]).model
        queryset = model.objects.visible_to(user)
        Path(options["out"]).write_bytes(export_xlsx(options["resource"], queryset))
        self.stdout.write(f"wrote {queryset.count()} rows to {options['out']}")
