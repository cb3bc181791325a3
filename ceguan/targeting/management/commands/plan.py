"""``ceguan plan create|commit|freeze|draw|assign|show|export-bundle``: the draw ceremony.

Every action names the plan by ``--city <name or code>`` or ``--province``, ``--year`` and
``--quarter`` and runs as ``--user`` (the jurisdiction and the audit log's actor)::

    ceguan plan create --city 620100 --year 2026 --quarter 1 --user alice
    ceguan plan commit --city 620100 --year 2026 --quarter 1 --user alice
    ceguan plan freeze --city 620100 --year 2026 --quarter 1 --user alice [--on 2026-01-05] [--n 20]
    ceguan plan draw   --city 620100 --year 2026 --quarter 1 --user alice
    ceguan plan assign --city 620100 --year 2026 --quarter 1 --user alice
    ceguan plan show   --city 620100 --year 2026 --quarter 1 --user alice
    ceguan plan export-bundle --city 620100 --year 2026 --quarter 1 --user alice -o bundle.json
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from rich.console import Console
from rich.table import Table

from ceguan.core.audit import acting_as
from ceguan.core.commandline import command_user
from ceguan.registry.models import Region
from ceguan.targeting.assignment import assign_plan
from ceguan.targeting.ceremony import (
    CeremonyError,
    commit_plan,
    create_plan,
    draw_plan,
    freeze_plan,
)
from ceguan.targeting.choices import WayOfWorking
from ceguan.targeting.models import QuarterlyPlan, beijing_today
from ceguan.targeting.progress import region_progress

ACTIONS = ("create", "commit", "freeze", "draw", "assign", "show", "export-bundle")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"dates are YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Run a quarterly plan's draw ceremony: create, commit, freeze, draw, assign, show."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--city", help="city name (兰州市) or code (620100)")
        where.add_argument("--province", action="store_true", help="the province's own plan")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=(1, 2, 3, 4))
        parser.add_argument("--user", required=True, help="the user the command acts for")
        parser.add_argument("--way", default=WayOfWorking.JOINT, choices=WayOfWorking.values)
        parser.add_argument("--on", type=_date, help="freeze: count and score on this day")
        parser.add_argument("--n", type=int, help="freeze: number to draw (province: required)")
        parser.add_argument("-o", "--output", help="export-bundle: file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False, width=120)
        action = options["action"]
        user = command_user(options["user"], must_edit=action not in ("show", "export-bundle"))
        region = self._region(options)
        year, quarter = options["year"], options["quarter"]
        try:
            with acting_as(user.get_username()):
                if action == "create":
                    plan = create_plan(user, region, year, quarter, options["way"])
                else:
                    plan = self._plan(user, region, year, quarter)
                    plan = self._run(action, plan, user, options, console)
        except (CeremonyError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        if action != "export-bundle":
            self._show(console, plan)

    def _run(
        self, action: str, plan: QuarterlyPlan, user: Any, options: Any, console: Console
    ) -> QuarterlyPlan:
        if action == "commit":
            return commit_plan(plan, user)
        if action == "freeze":
            with console.status("冻结抽取范围…") as status:
                return freeze_plan(
                    plan, user, on=options["on"], n=options["n"],
                    progress=lambda step: status.update(f"冻结抽取范围：{step}"),
                )  # fmt: skip
        if action == "draw":
            return draw_plan(plan, user)
        if action == "assign":
            return assign_plan(plan, user)
        if action == "export-bundle":
            if not plan.bundle:
                raise CeremonyError(f"plan {plan} is {plan.state!r}: no bundle before the draw")
            if options["output"]:
                Path(options["output"]).write_text(plan.bundle, encoding="utf-8")
                console.print(f"复核包已写入 {options['output']}")
            else:
                self.stdout.write(plan.bundle)
        return plan

    def _region(self, options: Any) -> Region:
        if options["province"]:
            return Region.objects.get(level="province")
        value = options["city"]
        city = Region.objects.filter(Q(code=value) | Q(name=value), level="city").first()
        if city is None:
            raise CommandError(f"no city (市州) named or coded {value!r}")
        return city

    def _plan(self, user: Any, region: Region, year: int, quarter: int) -> QuarterlyPlan:
        plan = (
            QuarterlyPlan.objects.visible_to(user)
            .filter(region=region, year=year, quarter=quarter)
            .first()
        )
        if plan is None:
            raise CommandError(f"no plan of {region} for {year}Q{quarter} visible to {user}")
        return plan

    def _show(self, console: Console, plan: QuarterlyPlan) -> None:
        plan.refresh_from_db()
        console.print(f"[bold]{plan}[/bold]  状态 {plan.get_state_display()} ({plan.state})")
        console.print(f"承诺值 commitment: {plan.commitment or '—'}")
        if plan.population_hash:
            console.print(
                f"冻结 {plan.count_day}: 计数 {plan.counted_facilities} 台套，可抽 "
                f"{plan.eligible_count}，年度应检 {plan.annual_quota}，结转缺口 "
                f"{plan.shortfall_in}，本季度应抽 {plan.quarter_target}，抽取 n={plan.n_to_draw}，"
                f"最低概率 {plan.floor:.4f}"
            )
            console.print(f"抽取范围哈希 population hash: {plan.population_hash}")
        if plan.seed:
            console.print(f"种子 seed: {plan.seed}")
            table = Table("任务", "排污单位", "工作方式", "检查时段", "状态", "人员")
            for task in plan.tasks.select_related("enterprise").prefetch_related(
                "members__personnel", "members__agency"
            ):
                team = ", ".join(str(m.personnel or m.agency) for m in task.members.all())
                window = f"{task.visit_from}–{task.visit_until}"
                table.add_row(
                    task.reference, task.enterprise.name, task.way_of_working, window,
                    task.state, team or "—",
                )  # fmt: skip
            console.print(table)
        if plan.region.level == "city":
            progress = region_progress(plan.region, plan.year, plan.count_day or beijing_today())
            table = Table("季度", "应完成", "累计应完成", "计划", "抽取", "临时", "已检查", "缺口")
            for row in progress.quarters:
                table.add_row(
                    f"Q{row.quarter}", *(str(v) if v is not None else "—" for v in (
                        row.due, row.cumulative_due, row.planned, row.drawn, row.adhoc,
                        row.visited, row.shortfall)),
                )  # fmt: skip
            console.print(table)
