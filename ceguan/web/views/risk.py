"""A facility's risk score history (issue 5 §1): every score computed for it, explained.

Reached from a plan's risk ranking. The facility and its scores go through ``visible_to``:
another city's facility is a 404, and a testing agency's users see no scores.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ceguan.core.jurisdiction import scope_of
from ceguan.registry.models import Facility
from ceguan.targeting.reading import explained, score_history

#: Scores listed (newest first); a facility is scored once per frozen plan, a few a year.
SHOWN = 100


@login_required
@require_GET
def facility_risk(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's risk scores over time, a line chart, and each score's factors."""
    if not scope_of(request.user).is_staff:
        raise Http404("no such facility")
    visible = Facility.objects.visible_to(request.user).select_related("outlet__enterprise")
    facility = get_object_or_404(visible, pk=pk)
    records = list(score_history(request.user, pk).select_related("plan__region")[:SHOWN])
    zh = (get_language() or "zh").startswith("zh")
    for record in records:
        versions = record.plan.rulebook_versions if record.plan else None
        record.lines = [
            {"label": line.label_zh if zh else line.label_en, "line": line}
            for line in explained(record.factors, versions)
        ]
        record.base = record.factors.get("base")
    oldest_first = list(reversed(records))
    chart = {
        "days": [r.on.isoformat() for r in oldest_first],
        "scores": [round(r.score, 4) for r in oldest_first],
        "name": _("风险评分"),
    }
    context = {"facility": facility, "records": records, "chart": chart}
    return render(request, "web/targeting/facility_risk.html", context)
