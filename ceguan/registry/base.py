"""The base every registry model shares: stamps, jurisdiction scoping and audit hooks."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.db import models
from django.utils.translation import gettext_lazy as _

from ceguan.core.jurisdiction import NOTHING, scope_of


class ScopedQuerySet(models.QuerySet):
    """Querysets that know which rows a user may see and change.

    The one jurisdiction rule: a model names the path to its city in ``city_path`` (and, for
    records an agency may see, ``agency_path``); :func:`ceguan.core.jurisdiction.scope_of` says
    which cities or agency a user covers. Every view, API endpoint and export goes through
    :meth:`visible_to` or :meth:`editable_by`.
    """

    def visible_to(self, user: Any) -> Self:
        scope = scope_of(user)
        if scope.everything:
            return self
        model = self.model
        if getattr(model, "public_to_all", False) and scope is not NOTHING:
            return self
        if getattr(model, "public_to_staff", False) and scope.is_staff:
            return self
        condition = models.Q(pk__in=[])
        city_path = getattr(model, "city_path", None)
        if city_path is not None and scope.city_ids:
            condition |= models.Q(**{f"{city_path}__in": scope.city_ids})
        agency_path = getattr(model, "agency_path", None)
        if agency_path is not None and scope.agency_id is not None:
            condition |= models.Q(**{agency_path: scope.agency_id})
        return self.filter(condition)

    def editable_by(self, user: Any) -> Self:
        scope = scope_of(user)
        if not scope.can_edit:
            return self.none()
        if scope.everything:
            return self
        if getattr(self.model, "province_edits_only", False):
            return self.none()
        if getattr(self.model, "public_to_staff", False):
            # Shared lists: a city edits only the rows registered in its own city.
            city_path = getattr(self.model, "city_path", None)
            if city_path is None:
                return self.none()
            return self.filter(**{f"{city_path}__in": scope.city_ids})
        return self.visible_to(user)


class RegistryModel(models.Model):
    """Abstract base: created/updated stamps; changes feed the audit log (``registry.signals``)."""

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_updated = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    #: Path from this model to its city Region, for :meth:`ScopedQuerySet.visible_to`.
    city_path: ClassVar[str | None] = None
    #: Path to a TestingAgency whose users may see the row.
    agency_path: ClassVar[str | None] = None
    #: Rows every internal user may see (province-wide lists such as operators).
    public_to_staff: ClassVar[bool] = False
    #: Rows every logged-in user may see (geography).
    public_to_all: ClassVar[bool] = False
    #: Fields whose values never reach the audit log (only that they changed).
    audit_secret: ClassVar[frozenset[str]] = frozenset()
    #: Rows only province roles may change.
    province_edits_only: ClassVar[bool] = False
    #: Fields left out of audit diffs.
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created", "last_updated"})

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._loaded = instance.audit_values()
        return instance

    def audit_values(self) -> dict[str, Any]:
        """Field values as the audit log records them (foreign keys by id)."""
        return {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in self.audit_exclude
        }

    def _redact(self, name: str, value: Any) -> Any:
        return ("***" if value else "") if name in self.audit_secret else value

    def audit_changes(self) -> dict[str, list[Any]]:
        """``{field: [before, after]}`` since the row was loaded (all fields when new)."""
        before = getattr(self, "_loaded", {})
        after = self.audit_values()
        return {
            name: [self._redact(name, before.get(name)), self._redact(name, value)]
            for name, value in after.items()
            if name not in before or before[name] != value
        }

    def audit_snapshot(self) -> dict[str, Any]:
        """All audited values, secrets masked, for a deletion entry."""
        return {name: self._redact(name, v) for name, v in self.audit_values().items()}
