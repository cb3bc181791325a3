"""The public verify page: anyone, without an account, re-runs a published draw.

A draw is only as trustworthy as its checkability. The page takes a reproducibility bundle (the
file a plan publishes after its draw) and re-derives the commitment, the population hash, the
seed and the result with :func:`ceguan.targeting.bundle.verify`, showing match or mismatch with
one reason per failed check. For a plan published here it also compares the bundle with what the
plan published *before* the draw (its commitment and frozen population hash), so a bundle that
is internally consistent but was built from a different secret or population is caught too.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ceguan.targeting.bundle import Bundle, BundleError, verify

#: Largest bundle accepted on the page [bytes]; a 10,000-facility province's is about 1 MB.
MAX_BUNDLE_BYTES = 16 * 1024 * 1024


def read_bundle(request: HttpRequest) -> tuple[Bundle | None, str]:
    """The bundle posted as a file (``bundle``) or pasted text (``text``), or a specific error."""
    upload = request.FILES.get("bundle")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_BUNDLE_BYTES:
            return None, _("文件过大（%(size)d 字节），上限 %(limit)d 字节。") % {
                "size": upload.size,
                "limit": MAX_BUNDLE_BYTES,
            }
        raw: bytes | str = upload.read()
    else:
        raw = request.POST.get("text", "").strip()
    if not raw:
        return None, _("请上传抽取复核包文件或粘贴其内容。")
    try:
        return Bundle.from_json(raw), ""
    except BundleError as exc:
        return None, _("复核包格式有误：%(reason)s") % {"reason": exc}


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


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET: the form (and the published draws); POST: the verdict on the given bundle."""
    context: dict[str, Any] = {"max_bytes": MAX_BUNDLE_BYTES}
    if request.method == "POST":
        bundle, error = read_bundle(request)
        if bundle is None:
            context["error"] = error
        else:
            outcome = verify(bundle)
            context.update(
                checked=True,
                match=outcome.match,
                reasons=outcome.reasons,
                bundle=summary(bundle),
            )
    status = 400 if context.get("error") else 200
    return render(request, "web/targeting/verify.html", context, status=status)
