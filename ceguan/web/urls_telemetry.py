"""URLs of the telemetry pages (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import telemetry

urlpatterns = [
    path("facilities/<int:pk>/data/", telemetry.facility_data, name="facility-data"),
    path("facilities/<int:pk>/series.json", telemetry.facility_series, name="facility-series"),
    path("facilities/<int:pk>/frames/", telemetry.facility_frames, name="facility-frames"),
    path("frames/<int:frame_id>/raw", telemetry.frame_raw, name="frame-raw"),
    path(
        "telemetry/unregistered/",
        telemetry.unregistered_devices,
        name="unregistered-devices",
    ),
    path(
        "telemetry/unregistered/<str:mn>/frames/",
        telemetry.unregistered_frames,
        name="unregistered-frames",
    ),
]
