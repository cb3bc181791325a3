"""Officer assignment (随机选派) as services: staffing a plan's tasks, one ad hoc task, overrides.

The pure algorithm is :func:`ceguan.targeting.assign.assign`; this module gathers its inputs from
the registry (pool, certificates, cities), the recusal facts (declared conflicts, the last
visit's team, agencies whose company operates the enterprise's facilities) and the quarter's
loads, writes the members, and records the inputs with the result so the assignment can be re-run
(:func:`verify_assignment_record`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.registry.models import Facility, Personnel, TestingAgency
from ceguan.standards import load_rulebook
from ceguan.targeting import assign as pure
from ceguan.targeting.ceremony import CeremonyError, _advance, _step
from ceguan.targeting.choices import MemberSource, TaskState
from ceguan.targeting.draw import new_secret
from ceguan.targeting.models import DeclaredConflict, QuarterlyPlan, Task, TaskMember


def team_need(way_of_working: str, on: date) -> dict[str, int]:
    """The team a way of working needs on ``on`` (``targeting.team.<way>``), by role."""
    found = load_rulebook().get("targeting.team", way_of_working, on=on).value
    return {role: int(found.get(role, 0)) for role in pure.ROLES}  # type: ignore[union-attr]


def assignment_seed(plan_seed_hex: str) -> bytes:
    """The assignment's seed, fixed by the draw: SHA-256(draw seed ‖ "ceguan-assign/1")."""
    return hashlib.sha256(bytes.fromhex(plan_seed_hex) + b"ceguan-assign/1").digest()


def _pool(tasks: list[Task]) -> list[pure.Candidate]:
    cities = {t.city_id for t in tasks}
    people = Personnel.objects.filter(active=True)
    if not any(t.cross_city for t in tasks):
        people = people.filter(Q(city_id__in=cities) | Q(agency__isnull=False))
    pool = [
        pure.Candidate(f"p{pk}", kind, city, until, active, agency)
        for pk, kind, city, until, active, agency in people.values_list(
            "pk", "kind", "city_id", "certificate_valid_until", "active", "agency_id"
        ).order_by("pk")
    ]
    pool += [
        pure.Candidate(f"a{pk}", "agency", city, until, True, pk)
        for pk, city, until in TestingAgency.objects.values_list(
            "pk", "city_id", "cma_valid_until"
        ).order_by("pk")
    ]
    return pool


def _recused(tasks: list[Task]) -> dict[int, set[str]]:
    """Candidate keys each enterprise recuses, by enterprise id."""
    enterprises = {t.enterprise_id for t in tasks}
    out: dict[int, set[str]] = {e: set() for e in enterprises}
    for person, agency, enterprise in DeclaredConflict.objects.filter(
        enterprise_id__in=enterprises
    ).values_list("personnel_id", "agency_id", "enterprise_id"):
        out[enterprise].add(f"p{person}" if person else f"a{agency}")
    # An agency whose company (same credit code) operates a facility of the enterprise.
    operated = Facility.objects.filter(
        outlet__enterprise_id__in=enterprises, operator__isnull=False
    ).values_list("outlet__enterprise_id", "operator__credit_code")
    codes: dict[str, set[int]] = {}
    for enterprise, code in operated:
        codes.setdefault(code, set()).add(enterprise)
    for agency, code in TestingAgency.objects.filter(credit_code__in=codes).values_list(
        "pk", "credit_code"
    ):
        for enterprise in codes[code]:
            out[enterprise].add(f"a{agency}")
    return out


def _last_teams(tasks: list[Task]) -> dict[int, set[str]]:
    """The team of the last visit (latest other staffed task) to each enterprise."""
    enterprises = {t.enterprise_id for t in tasks}
    excluded = [t.pk for t in tasks]
    latest: dict[int, int] = {}
    for pk, enterprise in (
        Task.objects.filter(
            enterprise_id__in=enterprises, state__in=(TaskState.ASSIGNED, TaskState.DONE)
        )
        .exclude(pk__in=excluded)
        .order_by("visit_until", "pk")
        .values_list("pk", "enterprise_id")
    ):
        latest[enterprise] = pk  # ordered, so the last one wins
    out: dict[int, set[str]] = {e: set() for e in enterprises}
    by_task = {v: k for k, v in latest.items()}
    for member in TaskMember.objects.filter(task_id__in=by_task):
        out[by_task[member.task_id]].add(member.member_key)
    return out


def _loads(plan: QuarterlyPlan) -> dict[str, int]:
    """Tasks each person or agency already serves in the plan's quarter (all plans)."""
    members = TaskMember.objects.filter(
        task__plan__year=plan.year, task__plan__quarter=plan.quarter
    ).exclude(task__state=TaskState.CANCELLED)
    return dict(Counter(m.member_key for m in members.only("personnel_id", "agency_id")))


def _needs(tasks: list[Task]) -> list[pure.TaskNeed]:
    recused, last = _recused(tasks), _last_teams(tasks)
    keep: dict[int, list[tuple[str, str]]] = {}
    for member in TaskMember.objects.filter(task__in=[t.pk for t in tasks]):
        keep.setdefault(member.task_id, []).append((member.role, member.member_key))
    return [
        pure.TaskNeed(
            reference=t.reference,
            enterprise_city_id=t.city_id,
            cross_city=t.cross_city,
            visit_from=t.visit_from,
            visit_until=t.visit_until,
            need=team_need(t.way_of_working, t.visit_from),
            recused=frozenset(recused[t.enterprise_id] | last[t.enterprise_id]),
            keep=tuple(keep.get(t.pk, ())),
        )
        for t in tasks
    ]


def staff(tasks: list[Task], seed: bytes, plan: QuarterlyPlan) -> dict[str, Any]:
    """Run the assignment for ``tasks``, write their members, return the record to keep."""
    pool, needs, loads = _pool(tasks), _needs(tasks), _loads(plan)
    try:
        result = pure.assign(needs, pool, seed, loads)
    except pure.AssignmentError as exc:
        raise CeremonyError(f"cannot staff every task: {exc}") from exc
    by_ref = {t.reference: t for t in tasks}
    members = []
    for reference, team in result.teams.items():
        kept = {key for _, key in next(n for n in needs if n.reference == reference).keep}
        for role, key in team:
            if key in kept:
                continue
            person = int(key[1:]) if key[0] == "p" else None
            agency = int(key[1:]) if key[0] == "a" else None
            members.append(
                TaskMember(task=by_ref[reference], role=role, personnel_id=person, agency_id=agency)
            )
    TaskMember.objects.bulk_create(members)
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(state=TaskState.ASSIGNED)
    return {
        "algorithm": result.algorithm,
        "seed": seed.hex(),
        "pool": [_candidate_json(c) for c in pool],
        "loads_before": loads,
        "tasks": [_need_json(n) for n in needs],
        "teams": result.teams,
    }


def assign_plan(plan: QuarterlyPlan, user: Any) -> QuarterlyPlan:
    """Staff every planned task of a drawn plan, seeded from its draw (drawn → assigned)."""
    with transaction.atomic():
        locked = _step(plan, user, "assign")
        tasks = list(locked.tasks.filter(state=TaskState.PLANNED).order_by("reference"))
        record = staff(tasks, assignment_seed(locked.seed), locked)
        locked.assignment_record = record
        _advance(locked, user, "assign", {"teams": [None, record["teams"]]})
    plan.refresh_from_db()
    return plan


def assign_task(task: Task, user: Any) -> Task:
    """Staff one planned task outside a draw (an ad hoc task), with a fresh recorded seed."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
        _check_task(locked, user)
        if locked.state != TaskState.PLANNED:
            raise CeremonyError(
                f"task {locked} is {locked.state!r}; only planned tasks are staffed"
            )
        record = staff([locked], new_secret(), locked.plan)
        locked.assignment_record = record
        locked.state = TaskState.ASSIGNED
        locked.save(update_fields=["assignment_record", "state"])
        _audit_task(user, locked, "assign", {"team": [None, record["teams"][locked.reference]]})
    task.refresh_from_db()
    return task


def override_member(
    member: TaskMember, replacement: Personnel | TestingAgency, reason: str, user: Any
) -> TaskMember:
    """Replace one team member; needs a reason, checks eligibility and recusal, is audited."""
    if not reason.strip():
        raise CeremonyError("an override needs a recorded reason")
    with transaction.atomic():
        locked = TaskMember.objects.select_for_update().select_related("task").get(pk=member.pk)
        task = locked.task
        _check_task(task, user)
        key = f"p{replacement.pk}" if isinstance(replacement, Personnel) else f"a{replacement.pk}"
        candidate = _as_candidate(replacement)
        need = _needs([task])[0]
        others = {k for _, k in need.keep if k != locked.member_key}
        why = "already on the team" if key in others else None
        why = why or pure.eligible(candidate, locked.role, need)
        if why == "kind":
            why = f"a {candidate.kind} cannot fill a {locked.role} slot"
        if why is not None:
            raise CeremonyError(f"task {task}: {replacement} cannot serve as {locked.role}: {why}")
        before = locked.member_key
        locked.personnel_id = replacement.pk if key[0] == "p" else None
        locked.agency_id = replacement.pk if key[0] == "a" else None
        locked.source, locked.override_reason, locked.replaced = (
            MemberSource.OVERRIDE,
            reason,
            before,
        )
        locked.save()
        _audit_task(user, task, "override", {"member": [before, key], "reason": [None, reason]})
    member.refresh_from_db()
    return member


def replacement_keys(task: Task, roles: list[str]) -> dict[str, list[str]]:
    """For each role, the keys (``p<personnel pk>`` / ``a<agency pk>``) of everyone who could
    replace a member in that role: exactly whom :func:`override_member` would accept (eligible,
    not recused, not already on the team)."""
    pool, need = _pool([task]), _needs([task])[0]
    on_team = {key for _, key in need.keep}
    return {
        role: [c.key for c in pool if c.key not in on_team and pure.eligible(c, role, need) is None]
        for role in roles
    }


def _as_candidate(who: Personnel | TestingAgency) -> pure.Candidate:
    if isinstance(who, TestingAgency):
        return pure.Candidate(
            f"a{who.pk}", "agency", who.city_id, who.cma_valid_until, True, who.pk
        )
    return pure.Candidate(
        f"p{who.pk}", who.kind, who.city_id, who.certificate_valid_until, who.active, who.agency_id
    )


def verify_assignment_record(record: dict[str, Any]) -> list[str]:
    """Re-run a recorded assignment from its inputs; the differences (empty = match)."""
    pool = [
        pure.Candidate(
            c["key"], c["kind"], c["city_id"], _day(c["valid_until"]), c["active"], c["agency_id"]
        )
        for c in record["pool"]
    ]
    needs = [
        pure.TaskNeed(
            n["reference"], n["enterprise_city_id"], n["cross_city"],
            date.fromisoformat(n["visit_from"]), date.fromisoformat(n["visit_until"]),
            n["need"], frozenset(n["recused"]), tuple(tuple(k) for k in n["keep"]),
        )
        for n in record["tasks"]
    ]  # fmt: skip
    return pure.verify_assignment(
        needs, pool, bytes.fromhex(record["seed"]), record["loads_before"], record["teams"]
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _candidate_json(c: pure.Candidate) -> dict[str, Any]:
    until = c.valid_until.isoformat() if c.valid_until else None
    return {"key": c.key, "kind": c.kind, "city_id": c.city_id, "valid_until": until,
            "active": c.active, "agency_id": c.agency_id}  # fmt: skip


def _need_json(n: pure.TaskNeed) -> dict[str, Any]:
    return {"reference": n.reference, "enterprise_city_id": n.enterprise_city_id,
            "cross_city": n.cross_city, "visit_from": n.visit_from.isoformat(),
            "visit_until": n.visit_until.isoformat(), "need": dict(n.need),
            "recused": sorted(n.recused), "keep": [list(k) for k in n.keep]}  # fmt: skip


def _check_task(task: Task, user: Any) -> None:
    if not Task.objects.editable_by(user).filter(pk=task.pk).exists():
        raise PermissionDenied(f"task {task} is outside the jurisdiction of {user}")


def _audit_task(user: Any, task: Task, step: str, changes: dict[str, Any]) -> None:
    audit.record(
        AuditAction.UPDATE,
        model="targeting.Task",
        object_id=task.pk,
        summary=f"{task} {step}",
        changes=changes,
        actor=user.get_username() if user is not None else None,
    )
