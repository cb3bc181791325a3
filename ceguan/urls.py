"""URL map: the web UI, the REST API under /api/ and Django admin for superusers."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ceguan.api.routes import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("ceguan.web.urls")),
]
