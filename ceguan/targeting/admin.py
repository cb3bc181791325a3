"""Django admin for superusers: linking logins to personnel records, declared conflicts."""

from django.contrib import admin

from ceguan.targeting import models as m


@admin.register(m.PersonnelLogin)
class PersonnelLoginAdmin(admin.ModelAdmin):
    list_display = ("user", "personnel")
    search_fields = ("user__username", "personnel__name", "personnel__certificate_number")
    raw_id_fields = ("user", "personnel")


@admin.register(m.DeclaredConflict)
class DeclaredConflictAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "personnel", "agency", "reason", "declared_on")
    search_fields = ("enterprise__name", "personnel__name", "agency__name")
    raw_id_fields = ("enterprise", "personnel", "agency")
