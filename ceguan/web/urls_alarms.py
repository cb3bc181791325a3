"""URLs of the alarm pages (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import alarms, permit_limits

urlpatterns = [
    path("alarms/", alarms.alarm_inbox, name="alarm-inbox"),
    path("alarms/<int:pk>/", alarms.alarm_detail, name="alarm-detail"),
    path("facilities/<int:pk>/alarms/", alarms.facility_alarms, name="facility-alarms"),
    path(
        "facilities/<int:pk>/operations-records/",
        permit_limits.operations_record_create,
        name="operations-record-create",
    ),
    path(
        "outlets/<int:pk>/permit-limits/",
        permit_limits.outlet_permit_limits,
        name="outlet-permit-limits",
    ),
    path(
        "outlets/<int:outlet_pk>/permit-limits/new/",
        permit_limits.permit_limit_edit,
        name="permit-limit-create",
    ),
    path("permit-limits/<int:pk>/edit/", permit_limits.permit_limit_edit, name="permit-limit-edit"),
    path(
        "permit-limits/<int:pk>/delete/",
        permit_limits.permit_limit_delete,
        name="permit-limit-delete",
    ),
]
