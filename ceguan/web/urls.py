from django.urls import include, path

from ceguan.web.views import auth, home, registry, survey

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("survey/", survey.survey_page, name="survey"),
    path("survey.xlsx", survey.survey_export, name="survey-export"),
    path("", include("ceguan.web.urls_imports")),
    path("", include("ceguan.web.urls_data_import")),
    path("", include("ceguan.web.urls_telemetry")),
    path("", include("ceguan.web.urls_alarms")),
    path("", include("ceguan.web.urls_targeting")),
    path("r/<slug:slug>/", registry.resource_list, name="resource-list"),
    path("r/<slug:slug>/new/", registry.resource_edit, name="resource-create"),
    path("r/<slug:slug>/<int:pk>/", registry.resource_detail, name="resource-detail"),
    path("r/<slug:slug>/<int:pk>/edit/", registry.resource_edit, name="resource-edit"),
    path("r/<slug:slug>/<int:pk>/delete/", registry.resource_delete, name="resource-delete"),
]
