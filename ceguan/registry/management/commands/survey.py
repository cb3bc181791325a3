"""``ceguan survey``: the baseline survey per city and for the province, as a table or .xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from ceguan.core.commandline import command_user
from ceguan.registry.survey import FIGURE_LABELS, display_value, survey, survey_workbook


class Command(BaseCommand):
    help = "Print the baseline survey (调查摸底) as seen by a user, or write it as .xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="whose jurisdiction to survey")
        parser.add_argument("--xlsx", type=Path, help="write the survey to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"])
        total, per_city = survey(user, timezone.localdate())
        if options["xlsx"]:
            options["xlsx"].write_bytes(survey_workbook(total, per_city))
            self.stdout.write(f"wrote {options['xlsx']}")
            return
        table = Table(title=f"调查摸底 {total.as_of.isoformat()}")
        table.add_column("")
        for figures in per_city:
            table.add_column(figures.name, justify="right")
        table.add_column("合计", justify="right")
        rows = [f.as_row() for f in per_city] + [total.as_row()]
        for key, label in FIGURE_LABELS.items():
            table.add_row(str(label), *[str(display_value(row[key])) for row in rows])
        Console(file=self.stdout, width=max(120, 12 * len(rows) + 30)).print(table)
