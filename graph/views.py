"""The research-graph fragment of the profile page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from graph.services import graph_slice_is_stale, graph_slice_request, graph_slice_retry
from profiles.models import Researcher


@require_http_methods(["GET", "HEAD", "POST"])
def graph_slice(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the slice, or a polling placeholder while the worker builds it. POST: retry."""
    researcher = get_object_or_404(Researcher, slug=slug)
    if request.method == "POST":
        current = graph_slice_retry(researcher=researcher)
    else:
        current = graph_slice_request(researcher=researcher)
    context = {
        "researcher": researcher,
        "graph_slice": current,
        "graph_slice_stale": graph_slice_is_stale(current),
    }
    return render(request, "profiles/researcher_detail.html#graph-slice", context)
