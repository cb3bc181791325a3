"""``ceguan draw verify <bundle.json> [--commitment HEX]``: re-run a draw and say match or mismatch.

Anyone can run it on a published bundle: the draw is re-run from the bundle's population,
weights, n, floor and secret, and compared with the recorded result; if this database holds the
plan that published the bundle's commitment (or ``--commitment`` gives the commitment the plan
published), the bundle is also compared with that. Exit status 0 on a match, 1 on a mismatch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from ceguan.targeting.verification import verify_bundle_text


class Command(BaseCommand):
    help = "Verify a draw's reproducibility bundle: `ceguan draw verify bundle.json`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("verify",))
        parser.add_argument("bundle", help="the bundle file (JSON)")
        parser.add_argument("--commitment", help="the commitment the plan published (hex)")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False, width=120)
        path = Path(options["bundle"])
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        outcome = verify_bundle_text(text, options["commitment"])
        if outcome.plan is not None:
            console.print(f"计划 plan: {outcome.plan}")
        for note in outcome.notes:
            console.print(f"[yellow]注意[/yellow] {note}")
        if outcome.match:
            console.print("[green]一致 MATCH[/green]: the draw re-runs to the recorded result")
            return
        console.print("[red]不一致 MISMATCH[/red]")
        for reason in outcome.reasons:
            console.print(f"  - {reason}")
        raise SystemExit(1)
