"""The pure second random: eligibility, recusal, cross-city, workload balance, reproducibility."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from ceguan.targeting.assign import (
    AssignmentError,
    Candidate,
    TaskNeed,
    assign,
    eligible,
    verify_assignment,
)

VALID = date(2030, 12, 31)
JOINT = {"officers": 2, "monitors": 1, "agencies": 0}
WITH_AGENCY = {"officers": 2, "monitors": 0, "agencies": 1}


def officer(key: str, city: int = 1, until: date | None = VALID, **kw: object) -> Candidate:
    return Candidate(key, "officer", city, until, **kw)  # type: ignore[arg-type]


def monitor(key: str, city: int = 1) -> Candidate:
    return Candidate(key, "monitor", city, None)


def task(ref: str = "T1", city: int = 1, cross: bool = False, **kw: object) -> TaskNeed:
    need = kw.pop("need", JOINT)
    return TaskNeed(ref, city, cross, date(2026, 1, 6), date(2026, 3, 31), need, **kw)  # type: ignore[arg-type]


POOL = [officer(f"p{i}") for i in range(1, 5)] + [monitor("p5"), monitor("p6")]


def test_a_team_has_what_its_way_of_working_needs() -> None:
    team = assign([task()], POOL, b"seed").teams["T1"]
    roles = Counter(role for role, _ in team)
    assert roles == {"officers": 2, "monitors": 1}
    assert len({key for _, key in team}) == 3
    officers = {key for role, key in team if role == "officers"}
    assert officers <= {"p1", "p2", "p3", "p4"}


def test_the_same_seed_gives_the_same_teams_and_another_seed_can_differ() -> None:
    tasks = [task(f"T{i}") for i in range(6)]
    first = assign(tasks, POOL, b"seed-a").teams
    assert assign(list(reversed(tasks)), POOL, b"seed-a").teams == first
    seeds = {str(assign(tasks, POOL, f"s{i}".encode()).teams) for i in range(20)}
    assert len(seeds) > 1


def test_an_expired_or_expiring_certificate_is_not_eligible() -> None:
    t = task()
    assert eligible(officer("p1", until=date(2026, 3, 30)), "officers", t) is not None
    assert eligible(officer("p1", until=date(2026, 3, 31)), "officers", t) is None
    assert eligible(officer("p1", until=None), "officers", t) == "no certificate"
    assert eligible(officer("p1", active=False), "officers", t) == "inactive"


def test_declared_conflicts_and_the_last_team_are_recused() -> None:
    t = task(recused=frozenset({"p1", "p2"}))
    team = assign([t], POOL, b"x").teams["T1"]
    assert {key for role, key in team if role == "officers"} == {"p3", "p4"}


def test_a_cross_city_task_draws_only_from_other_cities() -> None:
    pool = [*POOL, officer("p7", city=2), officer("p8", city=2), monitor("p9", city=3)]
    team = assign([task(cross=True)], pool, b"x").teams["T1"]
    assert {key for _, key in team} == {"p7", "p8", "p9"}


def test_an_ordinary_task_draws_only_from_the_enterprise_city() -> None:
    pool = [*POOL, officer("p7", city=2)]
    for seed in range(30):
        team = assign([task()], pool, str(seed).encode()).teams["T1"]
        assert "p7" not in {key for _, key in team}


def test_an_agency_tied_to_the_enterprise_is_recused() -> None:
    agencies = [
        Candidate("a1", "agency", 1, VALID, True, 1),
        Candidate("a2", "agency", 2, VALID, True, 2),
    ]
    t = task(need=WITH_AGENCY, recused=frozenset({"a1"}))
    team = assign([t], POOL + agencies, b"x").teams["T1"]
    assert ("agencies", "a2") in team and ("agencies", "a1") not in team


def test_workload_is_balanced_across_tasks() -> None:
    # 4 officers, 6 tasks of 2 officers = 12 slots: everyone serves exactly 3.
    tasks = [task(f"T{i}", need={"officers": 2}) for i in range(6)]
    result = assign(tasks, POOL, b"balance")
    assert Counter(k for team in result.teams.values() for _, k in team) == {
        "p1": 3, "p2": 3, "p3": 3, "p4": 3,
    }  # fmt: skip


def test_existing_loads_steer_the_draw_to_the_least_loaded() -> None:
    result = assign([task(need={"officers": 2})], POOL, b"x", loads={"p1": 5, "p2": 5})
    assert {k for _, k in result.teams["T1"]} == {"p3", "p4"}


def test_a_pool_too_small_names_the_task_and_what_is_missing() -> None:
    t = task("620100-2026Q1-007", recused=frozenset({"p1", "p2", "p3"}))
    with pytest.raises(AssignmentError) as caught:
        assign([t], POOL, b"x")
    message = str(caught.value)
    assert "task 620100-2026Q1-007: needs 2 officers, only 1 eligible" in message
    assert "3 recused" in message
    assert caught.value.shortages[0].role == "officers"


def test_a_recorded_assignment_verifies_and_a_changed_team_does_not() -> None:
    tasks = [task(f"T{i}") for i in range(3)]
    teams = assign(tasks, POOL, b"v").teams
    assert verify_assignment(tasks, POOL, b"v", None, teams) == []
    forged = {**teams, "T0": [("officers", "p1"), ("officers", "p2"), ("monitors", "p5")]}
    if forged["T0"] == teams["T0"]:
        forged["T0"] = [("officers", "p3"), ("officers", "p4"), ("monitors", "p6")]
    assert verify_assignment(tasks, POOL, b"v", None, forged)[0].startswith("task T0")
