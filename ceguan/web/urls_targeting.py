"""URLs of the targeting pages (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import verify

urlpatterns = [
    path("verify/", verify.verify_page, name="draw-verify"),
    path(
        "verify/plans/<int:pk>/bundle.json",
        verify.published_bundle_file,
        name="draw-published-bundle",
    ),
]
