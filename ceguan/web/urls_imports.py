# Placeholder until the import/export views land (helper-owned file).
from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


urlpatterns = [
    path("import/", _todo, name="import"),
    path("import/template/<slug:resource>.xlsx", _todo, name="import-template"),
    path("import/rejected/<str:token>.xlsx", _todo, name="import-rejected"),
    path("export/<slug:resource>.xlsx", _todo, name="export"),
]
