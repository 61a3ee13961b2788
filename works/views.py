"""Pages about works and topics."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from works.place_panels import institution_panels, venue_panels
from works.place_selectors import (
    institution_page,
    institution_queryset,
    venue_page,
    venue_queryset,
)
from works.selectors import topic_page, topic_queryset


@require_safe
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    """A topic: the researchers who work on it and its works."""
    topic = get_object_or_404(topic_queryset(), pk=topic_id)
    return render(request, "works/topic_detail.html", {"page": topic_page(topic)})


@require_safe
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    """A venue: its newest and most cited works, the authors who publish there most."""
    venue = get_object_or_404(venue_queryset(), pk=venue_id)
    context = {"page": venue_page(venue), **venue_panels(request=request, venue=venue)}
    return render(request, "works/venue_detail.html", context)


@require_safe
def institution_detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    """An institution: its researchers, recent works, frequent authors and topics."""
    institution = get_object_or_404(institution_queryset(), pk=institution_id)
    context = {
        "page": institution_page(institution),
        # The page's description and JSON-LD (openweb's panel).
        **institution_panels(request=request, institution=institution),
    }
    return render(request, "works/institution_detail.html", context)
