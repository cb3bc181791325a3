"""The public verify page: anyone, without an account, checks a draw.

A draw is only as trustworthy as its checkability. The page lists every plan's commitment (public
from the moment it is committed, before the population is frozen) and, from the day after the
quarter ends, its reproducibility bundle. Given a bundle, it re-derives the commitment, the
population hash, the seed and the result and compares them with what the plan published before
the draw (:func:`ceguan.targeting.verification.verify_bundle_text`): a bundle that is internally
consistent but was built from a secret chosen later, or from another population, is a mismatch.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ceguan.targeting.bundle import Bundle, BundleError
from ceguan.targeting.choices import PlanState
from ceguan.targeting.models import QuarterlyPlan
from ceguan.targeting.verification import (
    bundle_public_from,
    published_bundle,
    verify_bundle_text,
)

#: Largest bundle accepted on the page [bytes]; a 10,000-facility province's is about 1 MB.
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
#: Plans listed on the page, newest first.
LISTED = 200


def read_bundle(request: HttpRequest) -> tuple[bytes | str, str]:
    """The bundle posted as a file (``bundle``) or pasted text (``text``), or a specific error."""
    upload = request.FILES.get("bundle")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_BUNDLE_BYTES:
            return b"", _("文件过大（%(size)d 字节），上限 %(limit)d 字节。") % {
                "size": upload.size,
                "limit": MAX_BUNDLE_BYTES,
            }
        return upload.read(), ""
    text = request.POST.get("text", "").strip()
    if not text:
        return b"", _("请上传抽取复核包文件或粘贴其内容。")
    return text, ""


def summary(bundle: Bundle) -> dict[str, Any]:
    """The figures a reader checks by eye next to the verdict."""
    return {
        "algorithm": bundle.algorithm,
        "population": len(bundle.population),
        "n": bundle.n,
        "floor": bundle.floor,
        "commitment": bundle.commitment,
        "population_hash": bundle.population_hash,
        "seed": bundle.seed,
        "selected": list(bundle.selected),
    }


def published_plans() -> list[dict[str, Any]]:
    """Every committed plan with what the public may see of it today."""
    today = timezone.localdate()
    rows = []
    plans = (
        QuarterlyPlan.objects.exclude(commitment="")
        .select_related("region")
        .order_by("-year", "-quarter", "region__code")[:LISTED]
    )
    for plan in plans:
        frozen = plan.state in (PlanState.FROZEN, PlanState.DRAWN, PlanState.ASSIGNED)
        drawn = plan.state in (PlanState.DRAWN, PlanState.ASSIGNED)
        rows.append(
            {
                "pk": plan.pk,
                "region": plan.region,
                "year": plan.year,
                "quarter": plan.quarter,
                "state": plan.get_state_display(),
                "commitment": plan.commitment,
                "committed_at": plan.committed_at,
                "population_hash": plan.population_hash if frozen else "",
                "eligible": plan.eligible_count if frozen else None,
                "n": plan.n_to_draw if frozen else None,
                "drawn_at": plan.drawn_at if drawn else None,
                "bundle_ready": published_bundle(plan, today) is not None,
                "bundle_from": bundle_public_from(plan) if drawn else None,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET: the published commitments and the form; POST: the verdict on the given bundle."""
    context: dict[str, Any] = {"max_bytes": MAX_BUNDLE_BYTES}
    status = 200
    if request.method == "POST":
        raw, error = read_bundle(request)
        commitment = request.POST.get("commitment", "").strip().lower() or None
        if error:
            context["error"], status = error, 400
        else:
            try:
                bundle = Bundle.from_json(raw)
            except BundleError as exc:
                context["error"] = _("复核包格式有误：%(reason)s") % {"reason": exc}
                status = 400
            else:
                outcome = verify_bundle_text(raw, commitment=commitment)
                context.update(
                    checked=True,
                    match=outcome.match,
                    reasons=outcome.reasons,
                    notes=outcome.notes,
                    plan=outcome.plan,
                    bundle=summary(bundle),
                )
    context["plans"] = published_plans()
    return render(request, "web/targeting/verify.html", context, status=status)


@require_GET
def published_bundle_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's bundle as a file, once it may be published (the day after the quarter ends)."""
    plan = QuarterlyPlan.objects.filter(pk=pk).exclude(commitment="").first()
    text = published_bundle(plan, timezone.localdate()) if plan is not None else None
    if text is None:
        raise Http404("no published bundle")
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    name = f"draw-{plan.region.code}-{plan.year}Q{plan.quarter}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
