"""Django admin for accounts; the audit log is shown read-only."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from ceguan.core.models import AuditEntry, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Ceguan", {"fields": ("role", "region", "agency")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Ceguan", {"fields": ("role", "region", "agency")}),
    )
    list_display = ("username", "role", "region", "agency", "is_active")
    list_filter = ("role", "is_active")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "actor", "action", "model", "object_id", "summary")
    list_filter = ("action", "model")
    search_fields = ("actor", "summary", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
