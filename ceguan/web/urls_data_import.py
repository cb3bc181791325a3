"""URLs of the national-platform data import (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import data_import

urlpatterns = [
    path("data-import/", data_import.data_import_page, name="data-import"),
]
