"""Django admin for superusers; day-to-day editing happens in the web UI."""

from django.contrib import admin

from ceguan.registry import models as m


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")


@admin.register(m.Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "city", "industry", "supervision_category")
    list_filter = ("city", "industry", "supervision_category")
    search_fields = ("name", "credit_code")


@admin.register(m.Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "code", "medium")
    search_fields = ("code", "enterprise__name")
    raw_id_fields = ("enterprise",)


@admin.register(m.Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("outlet", "kind", "mn", "networked_on", "accepted_on", "operation_mode")
    list_filter = ("kind", "operation_mode")
    search_fields = ("mn", "outlet__enterprise__name")
    raw_id_fields = ("outlet",)


admin.site.register(m.Operator, search_fields=("name", "credit_code"))
admin.site.register(m.TestingAgency, search_fields=("name", "cma_number"))
admin.site.register(m.Personnel, search_fields=("name", "certificate_number"))
admin.site.register(m.DesignatedContact)
