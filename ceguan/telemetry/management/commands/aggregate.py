"""``ceguan aggregate [--since YYYY-MM-DD] [--until YYYY-MM-DD]``: derived telemetry.

For every facility with an MN: hourly values derived from minute data where the device sent none,
then the daily transmission and valid-data rates; finally the online/offline state of every
facility link. Days are Beijing calendar days; by default yesterday and today, so running it
every hour from cron keeps the figures current. Idempotent.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ceguan.telemetry.aggregates import (
    RefreshResult,
    facilities_to_refresh,
    refresh,
    update_links,
)
from ceguan.telemetry.rollup import beijing_day


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"dates are YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Derive hourly values from minute data, compute daily transmission and valid-data "
        "rates, and update which facilities are online (Beijing days, default yesterday–today)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=_date, help="first Beijing day (default yesterday)")
        parser.add_argument("--until", type=_date, help="last Beijing day (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        until = options["until"] or beijing_day(now)
        since = options["since"] or until - timedelta(days=1)
        if until < since:
            raise CommandError(f"--until {until} is before --since {since}")
        console = Console(file=self.stdout, highlight=False)
        facility_ids = list(facilities_to_refresh().values_list("pk", flat=True))
        total = RefreshResult()
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task(f"汇总 {since} – {until}", total=len(facility_ids))
            for facility_id in facility_ids:
                total.add(refresh(since, until, [facility_id], now=now))
                progress.advance(task)
        online, offline = update_links(now=now)
        console.print(
            f"{since} – {until}：设施 {total.facilities}，派生小时值 新增 {total.derived_new}、"
            f"更新 {total.derived_updated}、未变 {total.derived_unchanged}，"
            f"设备已报小时值 {total.device_hours}，日传输率 {total.daily_rates} 条；"
            f"上线 {online}，离线 {offline}"
        )
        if total.conflicts:
            console.print(
                f"[yellow]{total.conflicts} 个设施日期间有新数据写入，下次运行时重算。[/]"
            )
        if total.days_without_rule:
            console.print(
                f"[yellow]{total.days_without_rule} 个设施日无有效分钟数规则，未派生小时值。[/]"
            )
