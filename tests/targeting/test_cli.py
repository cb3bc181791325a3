"""``ceguan plan …`` runs the ceremony as a user; ``ceguan draw verify`` exits 0 / 1."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ceguan.targeting.models import QuarterlyPlan

pytestmark = pytest.mark.django_db

PLAN = ["--city", "620100", "--year", "2026", "--quarter", "1", "--user", "alice"]


def ceguan(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_ceremony(tmp_path: Path) -> Path:
    for action in ("create", "commit"):
        ceguan("plan", action, *PLAN)
    ceguan("plan", "freeze", *PLAN, "--on", "2026-01-05")
    ceguan("plan", "draw", *PLAN)
    ceguan("plan", "assign", *PLAN)
    bundle = tmp_path / "bundle.json"
    ceguan("plan", "export-bundle", *PLAN, "-o", str(bundle))
    return bundle


def test_the_ceremony_runs_from_the_command_line(world: Any, alice: Any, tmp_path: Path) -> None:
    bundle = run_ceremony(tmp_path)
    plan = QuarterlyPlan.objects.get()
    assert plan.state == "assigned" and plan.committed_by == alice
    assert bundle.read_text(encoding="utf-8") == plan.bundle
    shown = ceguan("plan", "show", *PLAN)
    assert plan.commitment in shown and "620100-2026Q1-001" in shown and "Q1" in shown


def test_verify_exits_zero_on_a_match(world: Any, alice: Any, tmp_path: Path) -> None:
    bundle = run_ceremony(tmp_path)
    out = ceguan("draw", "verify", str(bundle))
    assert "MATCH" in out and "MISMATCH" not in out


def test_verify_exits_one_on_a_mismatch_and_says_why(
    world: Any, alice: Any, tmp_path: Path
) -> None:
    bundle = run_ceremony(tmp_path)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["population"][0][1] = "7.000000"
    bundle.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("draw", "verify", str(bundle), stdout=out)
    assert exited.value.code == 1
    assert "MISMATCH" in out.getvalue() and "population_hash" in out.getvalue()


def test_verify_checks_a_given_commitment(world: Any, alice: Any, tmp_path: Path) -> None:
    bundle = run_ceremony(tmp_path)
    with pytest.raises(SystemExit) as exited:
        call_command("draw", "verify", str(bundle), "--commitment", "ab" * 32, stdout=io.StringIO())
    assert exited.value.code == 1


def test_verify_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        ceguan("draw", "verify", str(tmp_path / "none.json"))


def test_a_city_user_cannot_run_another_citys_plan(world: Any, alice: Any, bob: Any) -> None:
    ceguan("plan", "create", *PLAN)
    with pytest.raises(CommandError, match="no plan of 兰州市"):
        ceguan("plan", "commit", *PLAN[:-1], "bob")
    with pytest.raises(CommandError, match="outside the jurisdiction"):
        ceguan("plan", "create", "--city", "620100", "--year", "2026", "--quarter", "2",
               "--user", "bob")  # fmt: skip


def test_out_of_order_is_a_command_error(world: Any, alice: Any) -> None:
    ceguan("plan", "create", *PLAN)
    with pytest.raises(CommandError, match="'draw' needs 'frozen'"):
        ceguan("plan", "draw", *PLAN)
