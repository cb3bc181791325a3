"""Write every create, update and delete of a registry record to the audit log."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from ceguan.core import audit
from ceguan.core.choices import AuditAction
from ceguan.registry.base import RegistryModel


def _saved(sender: type[RegistryModel], instance: RegistryModel, created: bool, **_: Any) -> None:
    changes = instance.audit_changes()
    if not created and not changes:
        return
    audit.record(
        AuditAction.CREATE if created else AuditAction.UPDATE,
        model=sender._meta.label,
        object_id=instance.pk,
        summary=str(instance),
        changes=changes,
    )
    instance._loaded = instance.audit_values()


def _deleted(sender: type[RegistryModel], instance: RegistryModel, **_: Any) -> None:
    audit.record(
        AuditAction.DELETE,
        model=sender._meta.label,
        object_id=instance.pk,
        summary=str(instance),
        changes={name: [value, None] for name, value in instance.audit_snapshot().items()},
    )


def connect_audit(app_label: str) -> None:
    """Audit every create, update and delete of the app's :class:`RegistryModel` subclasses."""
    for model in apps.get_app_config(app_label).get_models():
        if issubclass(model, RegistryModel):
            label = model._meta.label
            post_save.connect(_saved, sender=model, dispatch_uid=f"audit-save-{label}")
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"audit-delete-{label}")


def connect() -> None:
    connect_audit("registry")
