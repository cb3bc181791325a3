"""Writing and verifying the hash-chained audit log.

Each row's digest is SHA-256 over the canonical JSON of its content plus the previous row's
digest, so editing, deleting or reordering any row breaks the chain at that row.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ceguan.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64

_actor: contextvars.ContextVar[str] = contextvars.ContextVar("ceguan_audit_actor", default="")


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Attribute audit entries written inside the block to ``actor`` (a user name or ``cli:…``)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    return _actor.get()


def _canonical(
    at: datetime,
    actor: str,
    action: str,
    model: str,
    object_id: str,
    summary: str,
    changes: dict[str, Any],
    previous_digest: str,
) -> bytes:
    payload = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "model": model,
        "object_id": object_id,
        "summary": summary,
        "changes": changes,
        "previous": previous_digest,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def digest_of(entry: AuditEntry) -> str:
    """Recompute an entry's digest from its stored content."""
    return hashlib.sha256(
        _canonical(
            entry.at,
            entry.actor,
            entry.action,
            entry.model,
            entry.object_id,
            entry.summary,
            entry.changes,
            entry.previous_digest,
        )
    ).hexdigest()


def record(
    action: str,
    *,
    model: str = "",
    object_id: object = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction when there is one."""
    changes = json.loads(json.dumps(changes or {}, default=str))
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            at=timezone.now(),
            actor=(actor if actor is not None else current_actor())[:150],
            action=action,
            model=model,
            object_id=str(object_id)[:64],
            summary=summary[:300],
            changes=changes,
            previous_digest=head.last_digest,
        )
        entry.digest = digest_of(entry)
        entry.save()
        AuditHead.objects.filter(pk=1).update(last_id=entry.pk, last_digest=entry.digest)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`: ``ok``, rows checked, and the first broken link."""

    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the log in id order and report the first row whose link or content is wrong."""
    previous = GENESIS
    previous_id = 0
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.previous_digest != previous:
            missing = f" (row {previous_id + 1} or rows before it may be missing)"
            return ChainReport(
                False,
                checked,
                entry.pk,
                f"row {entry.pk}: its previous-digest does not match row {previous_id}"
                + (missing if entry.pk != previous_id + 1 else ""),
            )
        if digest_of(entry) != entry.digest:
            return ChainReport(
                False, checked, entry.pk, f"row {entry.pk}: content does not match its digest"
            )
        previous, previous_id = entry.digest, entry.pk
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != previous_id or head.last_digest != previous):
        return ChainReport(
            False,
            checked,
            head.last_id,
            f"row {head.last_id}: the chain head names it but the log ends at row {previous_id}",
        )
    return ChainReport(True, checked)
