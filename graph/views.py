"""The research graph: the profile's lazy fragment, its exports and the full explorer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers
from redis.exceptions import RedisError

from graph.algorithms import SliceCaps
from graph.explorer import ExplorerForm, ExplorerState, explorer_context
from graph.exports import slice_graphml, slice_json
from graph.models import GraphSlice, SliceStatus
from graph.nodes import node_id, parse_node_id
from graph.services import (
    current_graph_slice,
    graph_slice_is_stale,
    graph_slice_request,
    graph_slice_retry,
)
from profiles.http import HtmxHttpRequest
from profiles.models import Researcher


@require_http_methods(["GET", "HEAD", "POST"])
def graph_slice(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the slice, or a polling placeholder while the worker builds it. POST: retry."""
    researcher = get_object_or_404(Researcher, slug=slug)
    limited = False
    if request.method == "POST" and not slice_retry_allowed(request):
        limited = True
        current = graph_slice_request(researcher=researcher)
    elif request.method == "POST":
        current = graph_slice_retry(researcher=researcher)
    else:
        current = graph_slice_request(researcher=researcher)
    if current.status == SliceStatus.READY and current.payload:
        _link_nodes(current.payload, researcher)
    context = {
        "researcher": researcher,
        "graph_slice": current,
        "graph_slice_stale": graph_slice_is_stale(current),
        "graph_slice_limited": limited,
        "caps": SliceCaps(),
    }
    # htmx swaps only 2xx answers: the fragment says why, a plain POST gets the status too.
    status = 429 if limited and not getattr(request, "htmx", False) else 200
    return render(request, "graph/_slice.html", context, status=status)


def slice_retry_allowed(request: HttpRequest) -> bool:
    """Retries per client address (BZPEER_SLICE_RETRY_RATE, counted by allauth's rate limiter
    in the shared cache). With the cache unreachable a retry is allowed: the compare-and-swap
    in `graph_slice_retry` still sends at most one task per slice."""
    try:
        usage = ratelimit.consume(
            request,
            app="graph",
            action="slice_retry",
            config={"slice_retry": settings.BZPEER_SLICE_RETRY_RATE},
        )
    except RedisError:
        return True
    return usage is not None


def _link_nodes(payload: dict[str, Any], researcher: Researcher) -> None:
    """Each node of the drawn slice links to its page: a person's profile, a topic's page;
    papers and institutions (no page of their own yet) and the centre to the full explorer,
    focused on them. Not stored in the payload: URLs are the site's, not the slice's."""
    explorer = reverse("graph:explorer", args=[researcher.slug])
    for node in payload["nodes"]:
        parsed = parse_node_id(node["id"])
        if parsed is None:
            continue
        kind, pk = parsed
        if node["center"]:
            node["href"], node["href_label"] = explorer, "open the full explorer"
        elif kind == "person" and node.get("slug"):
            node["href"] = reverse("profiles:researcher_detail", args=[node["slug"]])
            node["href_label"] = "open the profile"
        elif kind == "topic":
            node["href"] = reverse("works:topic_detail", args=[pk])
            node["href_label"] = "open the topic page"
        else:
            node["href"] = f"{explorer}?{urlencode({'focus': node['id'], 'selected': node['id']})}"
            node["href_label"] = "explore it in the full explorer"


def _ready_slice(slug: str) -> tuple[Researcher, GraphSlice]:
    researcher = get_object_or_404(Researcher, slug=slug)
    ready = current_graph_slice(researcher)
    if ready is None or ready.status != SliceStatus.READY or ready.payload is None:
        raise Http404("This graph slice has not been built yet.")
    return researcher, ready


@require_safe
def graph_slice_graphml(request: HttpRequest, slug: str) -> HttpResponse:
    """The stored slice as GraphML (404 until the worker has built it)."""
    researcher, ready = _ready_slice(slug)
    response = HttpResponse(
        slice_graphml(ready.payload or {}), content_type="application/graphml+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{researcher.slug}-graph.graphml"'
    return response


@require_safe
def graph_slice_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The stored slice as JSON (404 until the worker has built it)."""
    researcher, ready = _ready_slice(slug)
    document = slice_json(
        ready.payload or {}, researcher=researcher.slug, data_version=ready.data_version
    )
    response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{researcher.slug}-graph.json"'
    return response


@require_safe
@vary_on_headers("HX-Request")
def explorer(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The full explorer centred on the researcher; its state lives in the query string."""
    researcher = get_object_or_404(Researcher, slug=slug)
    state = ExplorerState.from_form(
        ExplorerForm(request.GET), default_focus=node_id("person", researcher.pk)
    )
    context = explorer_context(state)
    if context is None:
        raise Http404("No such node.")
    context["researcher"] = researcher
    if request.htmx and request.htmx.target == "explorer":
        return render(request, "graph/explorer.html#explorer", context)
    return render(request, "graph/explorer.html", context)
