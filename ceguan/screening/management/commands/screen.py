"""``ceguan screen [--city 兰州市|620100] [--since YYYY-MM-DD] [--full]``: screen and raise alarms.

By default incremental: only facilities with data received since their last screening, from
their cursor minus the look-back. ``--since`` re-screens from that Beijing day; ``--full`` from
each facility's first data. Idempotent: a re-run adds no alarm for an episode already raised.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ceguan.registry.models import Facility, Region
from ceguan.screening.runner import screen
from ceguan.telemetry.rollup import day_bounds


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"dates are YYYY-MM-DD, not {value!r}") from None


def _city(value: str) -> Region:
    city = Region.objects.filter(Q(code=value) | Q(name=value), level="city").first()
    if city is None:
        raise CommandError(f"no city (市州) named or coded {value!r}")
    return city


class Command(BaseCommand):
    help = "Screen monitoring data with the registered detectors and raise or extend alarms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="only this city: name (兰州市) or code (620100)")
        parser.add_argument("--since", type=_date, help="re-screen from this Beijing day")
        parser.add_argument("--full", action="store_true", help="re-screen all data")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)
        facility_ids = None
        if options["city"]:
            city = _city(options["city"])
            facility_ids = list(
                Facility.objects.filter(outlet__enterprise__city=city).values_list("pk", flat=True)
            )
        since = day_bounds(options["since"])[0] if options["since"] else None
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task("筛查", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = screen(facility_ids, since=since, full=options["full"], progress=advance)
        console.print(
            f"筛查设施 {result.facilities}，序列 {result.series}，异常片段 {result.episodes}；"
            f"新告警 {result.created}，延续 {result.extended}，已有 {result.unchanged}"
        )
