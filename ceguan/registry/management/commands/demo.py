"""``ceguan demo``: load the deterministic demo province and print the demo logins."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ceguan.core.choices import Role
from ceguan.registry.demo import (
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    STEPS,
    DemoConflict,
    DemoSummary,
    build_demo,
)

COUNT_LABELS = {
    "operators": "运营单位",
    "agencies": "检测机构",
    "enterprises": "排污单位",
    "outlets": "排放口",
    "facilities": "自动监控设施（台套）",
    "personnel": "人员",
    "contacts": "专人负责",
    "users": "演示账号",
}
SURVEY_LABELS = {
    "networked_not_accepted": "已联网未验收",
    "installed_not_networked": "已安装未联网",
    "contract_expired": "运营合同已过期",
    "self": "自行运营",
    "none": "未运营",
    "key_units_not_networked": "无联网设施的重点单位",
    "enterprises_without_facility": "有排放口无设施的单位",
    "officers_expired": "执法证过期",
    "contacts_late": "专人逾期报送",
}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of wants YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Load a deterministic synthetic Gansu (enterprises, outlets, facilities, operators, "
        "agencies, personnel, contacts) and one demo account per role. Same --seed and --as-of "
        "give the same data; an existing demo is kept unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="reference date YYYY-MM-DD all dates are relative to (default: today, Shanghai)",
        )
        parser.add_argument(
            "--enterprises",
            type=int,
            default=DEFAULT_ENTERPRISES,
            help=f"number of enterprises (default {DEFAULT_ENTERPRISES})",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the rows of earlier demo loads first (the audit log is kept)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enterprises"] < 20:
            raise CommandError("--enterprises must be at least 20")
        as_of = options["as_of"] or timezone.localdate()
        console = Console(file=self.stdout, highlight=False)
        started = time.perf_counter()
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task("演示省份", total=len(STEPS))

            def advance(label: str) -> None:
                progress.update(task, description=label, completed=STEPS.index(label) + 1)

            try:
                summary = build_demo(
                    options["seed"],
                    as_of,
                    options["enterprises"],
                    reset=options["reset"],
                    progress=advance,
                )
            except DemoConflict as error:
                raise CommandError(str(error)) from error
        self._report(console, summary, time.perf_counter() - started)

    def _report(self, console: Console, summary: DemoSummary, seconds: float) -> None:
        where = f"种子 {summary.seed}，基准日 {summary.as_of.isoformat()}"
        if summary.skipped:
            console.print(
                f"[yellow]演示数据已存在（{where}），未重复写入；用 --reset 重新生成。[/yellow]"
            )
        else:
            if summary.deleted:
                deleted = "，".join(
                    f"{COUNT_LABELS.get(k, k)} {v}" for k, v in summary.deleted.items() if v
                )
                console.print(f"已删除旧演示数据：{deleted or '无'}")
            counts = "，".join(f"{COUNT_LABELS[k]} {v}" for k, v in summary.counts.items())
            console.print(f"[green]演示省份已生成[/green]（{where}，{seconds:.1f} 秒）：{counts}")
        if summary.survey:
            found = "，".join(
                f"{label} {summary.survey.get(k, 0)}" for k, label in SURVEY_LABELS.items()
            )
            console.print(f"调查摸底可发现：{found}")
        for username in summary.kept_users:
            console.print(f"[yellow]账号 {username} 已存在且不是演示账号，未改动。[/yellow]")

        table = Table(title="演示账号")
        table.add_column("用户名")
        table.add_column("角色")
        table.add_column("行政区 / 机构")
        for login in summary.logins:
            table.add_row(login.username, str(Role(login.role).label), login.place)
        console.print(table)
        console.print(f"全部演示账号的密码：[bold]{summary.password}[/bold]")
