"""URLs of the targeting pages (included by ``ceguan.web.urls``)."""

from django.urls import path

from ceguan.web.views import plans, risk, tasks, verify

urlpatterns = [
    path("verify/", verify.verify_page, name="draw-verify"),
    path(
        "verify/plans/<int:pk>/bundle.json",
        verify.published_bundle_file,
        name="draw-published-bundle",
    ),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/bundle.json", plans.plan_bundle, name="plan-bundle"),
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task-detail"),
    path("alarms/<int:pk>/task/", tasks.alarm_task, name="alarm-task"),
    path("facilities/<int:pk>/risk/", risk.facility_risk, name="facility-risk"),
]
