"""The second random (随机选派): drawing each task's team from the eligible pool, with recusal.

Pure: no Django, no I/O. Given the tasks, the pool (officers, monitors, testing agencies), what
each task needs (``targeting.team.<way_of_working>``), the recusal facts and a seed, the result is
fully determined, so anyone holding the inputs can re-run it (:func:`assign` twice gives the same
teams; :func:`verify_assignment` compares).

Rules, per task and per slot:

* an **officer** (执法人员) is active, holds a certificate valid through the whole visit window;
  a **monitor** (监测人员) is active city staff, certificate (if any) valid through the window;
  an **agency** (第三方检测机构) has a CMA accreditation valid through the window;
* staff come from the enterprise's own city, except on a cross-city task (四（四）), where they
  come only from other cities; an agency on a cross-city task is not based in that city;
* recusal (回避): a declared conflict with the enterprise; a person on the team of the last visit
  to the enterprise; an agency that operates facilities of the enterprise or tests for it;
* workload balance: among the eligible, the least loaded in the quarter is taken; ties are broken
  by the random key SHA-256(seed ‖ task ‖ role ‖ member), i.e. uniformly at random.

Tasks are served in the order of their reference so that loads build up reproducibly.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

#: Version of this assignment algorithm, recorded with every assignment.
ALGORITHM = "ceguan-assign/1 (least-loaded, SHA-256 tie keys)"
#: Member roles in slot order; ``agencies`` count agencies, the others persons.
ROLES = ("officers", "monitors", "agencies")
#: Personnel kind each person role draws from.
KIND_OF_ROLE = {"officers": "officer", "monitors": "monitor"}


@dataclass(frozen=True)
class Candidate:
    """A person or agency that may be drawn; ``key`` is stable text (``p12``, ``a3``)."""

    key: str
    kind: str  # "officer", "monitor" or "agency"
    city_id: int | None
    valid_until: date | None  # certificate or CMA; None = no expiry recorded
    active: bool = True
    agency_id: int | None = None  # persons of an agency; the agency itself for kind "agency"


@dataclass(frozen=True)
class TaskNeed:
    """One task to staff.

    ``recused`` holds candidate keys that may not serve on it (declared conflicts, the last
    visit's team, agencies tied to the enterprise), ``keep`` members already on it.
    """

    reference: str
    enterprise_city_id: int
    cross_city: bool
    visit_from: date
    visit_until: date
    need: Mapping[str, int]
    recused: frozenset[str] = frozenset()
    keep: tuple[tuple[str, str], ...] = ()  # (role, key) already on the team


@dataclass(frozen=True)
class Shortage:
    """What one task lacks: ``role`` needed ``needed``, only ``found`` eligible; why."""

    reference: str
    role: str
    needed: int
    found: int
    detail: str


class AssignmentError(ValueError):
    """The pool cannot staff every task; ``shortages`` names each task and what it lacks."""

    def __init__(self, shortages: Sequence[Shortage]) -> None:
        self.shortages = list(shortages)
        lines = [
            f"task {s.reference}: needs {s.needed} {s.role}, only {s.found} eligible ({s.detail})"
            for s in self.shortages
        ]
        super().__init__("; ".join(lines))


@dataclass
class Assignment:
    """Teams by task reference: ``[(role, candidate key), …]`` in slot order; loads after."""

    teams: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    loads: dict[str, int] = field(default_factory=dict)
    algorithm: str = ALGORITHM


def tie_key(seed: bytes, reference: str, role: str, key: str) -> bytes:
    """The random tie-break key of one candidate for one slot: SHA-256(seed ‖ task ‖ role ‖ key).

    Examples
    --------
    >>> len(tie_key(b"s", "T1", "officers", "p1"))
    32
    """
    return hashlib.sha256(
        seed + b"\x00".join(s.encode() for s in ("", reference, role, key))
    ).digest()


def eligible(candidate: Candidate, role: str, task: TaskNeed) -> str | None:
    """Why ``candidate`` cannot fill a ``role`` slot of ``task``, or None if it can."""
    wanted = "agency" if role == "agencies" else KIND_OF_ROLE[role]
    if candidate.kind != wanted:
        return "kind"
    if role != "agencies" and candidate.agency_id is not None:
        return "agency staff"
    if not candidate.active:
        return "inactive"
    if candidate.valid_until is not None and candidate.valid_until < task.visit_until:
        return "certificate expires before the end of the visit window"
    if role == "officers" and candidate.valid_until is None:
        return "no certificate"
    same_city = candidate.city_id == task.enterprise_city_id
    if task.cross_city and same_city:
        return "same city on a cross-city task"
    if not task.cross_city and role != "agencies" and not same_city:
        return "another city"
    if candidate.key in task.recused:
        return "recused"
    return None


def assign(
    tasks: Iterable[TaskNeed],
    pool: Sequence[Candidate],
    seed: bytes,
    loads: Mapping[str, int] | None = None,
) -> Assignment:
    """Draw the team of every task.

    Parameters
    ----------
    tasks : iterable of TaskNeed
        Tasks to staff; served in order of ``reference``.
    pool : sequence of Candidate
        Everyone and every agency that might be drawn.
    seed : bytes
        Seed of the plan's assignment (derived from the draw's seed, so it is fixed by the draw).
    loads : mapping of candidate key to int, optional
        Tasks each candidate already serves in the quarter [count].

    Returns
    -------
    Assignment

    Raises
    ------
    AssignmentError
        Listing every task whose slots cannot all be filled, and what is missing.

    Examples
    --------
    >>> pool = [Candidate(f"p{i}", "officer", 1, date(2030, 1, 1)) for i in range(3)]
    >>> need = TaskNeed("T1", 1, False, date(2026, 1, 5), date(2026, 3, 31), {"officers": 2})
    >>> team = assign([need], pool, b"seed").teams["T1"]
    >>> len(team), len({key for _, key in team})
    (2, 2)
    """
    load = Counter(loads or {})
    result = Assignment()
    shortages: list[Shortage] = []
    for task in sorted(tasks, key=lambda t: t.reference):
        team: list[tuple[str, str]] = list(task.keep)
        taken = {key for _, key in team}
        for role in ROLES:
            missing = int(task.need.get(role, 0)) - sum(1 for r, _ in team if r == role)
            if missing <= 0:
                continue
            reasons: Counter[str] = Counter()
            fit = []
            for candidate in pool:
                why = "already on the team" if candidate.key in taken else None
                why = why or eligible(candidate, role, task)
                if why is None:
                    fit.append(candidate.key)
                elif why != "kind":
                    reasons[why] += 1
            if len(fit) < missing:
                detail = ", ".join(f"{n} {why}" for why, n in reasons.most_common()) or "none"
                shortages.append(Shortage(task.reference, role, missing, len(fit), detail))
                continue
            fit.sort(key=lambda k: (load[k], tie_key(seed, task.reference, role, k)))
            for key in fit[:missing]:
                team.append((role, key))
                taken.add(key)
                load[key] += 1
        result.teams[task.reference] = team
    if shortages:
        raise AssignmentError(shortages)
    result.loads = dict(load)
    return result


def verify_assignment(
    tasks: Iterable[TaskNeed],
    pool: Sequence[Candidate],
    seed: bytes,
    loads: Mapping[str, int] | None,
    recorded: Mapping[str, Sequence[Sequence[str]]],
) -> list[str]:
    """Re-run :func:`assign` and list every task whose recorded team differs (empty = match)."""
    again = assign(tasks, pool, seed, loads).teams
    problems = []
    for reference in sorted(set(again) | set(recorded)):
        want = [tuple(m) for m in recorded.get(reference, [])]
        if again.get(reference) != want:
            problems.append(
                f"task {reference}: re-run gives {again.get(reference)}, recorded {want}"
            )
    return problems
