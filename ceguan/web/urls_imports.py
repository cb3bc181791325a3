"""URLs of spreadsheet import and export (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import imports

urlpatterns = [
    path("import/", imports.import_page, name="import"),
    path(
        "import/template/<slug:resource>.xlsx",
        imports.template_download,
        name="import-template",
    ),
    path(
        "import/rejected/<uuid:token>.xlsx",
        imports.rejected_download,
        name="import-rejected",
    ),
    path("export/<slug:resource>.xlsx", imports.export_download, name="export"),
]
