"""The baseline survey page (with its ECharts chart) and its ``.xlsx`` export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ceguan.registry import choices as c
from ceguan.registry.survey import (
    FIGURE_LABELS,
    SurveyFigures,
    display_value,
    survey,
    survey_workbook,
)


def _chart(per_city: list[SurveyFigures]) -> dict[str, Any]:
    """Stacked bars per city: accepted, networked not accepted, installed not networked."""
    return {
        "cities": [f.name for f in per_city],
        "series": [
            {"name": str(_("已验收")), "data": [f.accepted for f in per_city]},
            {
                "name": str(_("已联网未验收")),
                "data": [f.networked - f.accepted for f in per_city],
            },
            {
                "name": str(_("已安装未联网")),
                "data": [f.installed - f.networked for f in per_city],
            },
            {
                "name": str(_("未安装")),
                "data": [f.facilities - f.installed for f in per_city],
            },
        ],
        "modes": [
            {"name": str(label), "value": sum(f.by_operation_mode.get(v, 0) for f in per_city)}
            for v, label in c.OperationMode.choices
        ],
    }


@login_required
def survey_page(request: HttpRequest) -> HttpResponse:
    as_of = timezone.localdate()
    total, per_city = survey(request.user, as_of)
    rows = [(f.name, [display_value(v) for v in f.as_row().values()]) for f in per_city]
    context = {
        "total": total,
        "as_of": as_of,
        "headers": list(FIGURE_LABELS.values()),
        "rows": rows,
        "total_row": [display_value(v) for v in total.as_row().values()],
        "chart": _chart(per_city),
        "blind_spot_groups": [
            (FIGURE_LABELS[f"blind_{name}"], items)
            for name, items in total.blind_spots.__dict__.items()
        ],
    }
    return render(request, "web/survey.html", context)


@login_required
def survey_export(request: HttpRequest) -> HttpResponse:
    as_of = timezone.localdate()
    total, per_city = survey(request.user, as_of)
    response = HttpResponse(
        survey_workbook(total, per_city),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{as_of.isoformat()}.xlsx"'
    return response
