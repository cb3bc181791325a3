"""``ceguan demo_plans``: the demo province's quarterly plans (after ``ceguan demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from rich.console import Console

from ceguan.targeting.demo import run_demo_quarter


class Command(BaseCommand):
    help = "Run the demo cities' plans for the current quarter (Lanzhou drawn, Tianshui committed)."

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)
        with console.status("季度计划（演示）…") as status:
            done = run_demo_quarter(report=lambda step: status.update(f"季度计划（演示）：{step}"))
        for name, state in done.plans:
            console.print(f"季度计划 {name}: {state}")
        for link in done.linked:
            console.print(f"人员账号 {link}")
