"""URLs of the alarm pages (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import alarms

urlpatterns = [
    path("alarms/", alarms.alarm_inbox, name="alarm-inbox"),
    path("alarms/<int:pk>/", alarms.alarm_detail, name="alarm-detail"),
    path("facilities/<int:pk>/alarms/", alarms.facility_alarms, name="facility-alarms"),
]
