"""Pages about works and topics."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from works.selectors import topic_page, topic_queryset


@require_safe
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    """A topic: the researchers who work on it and its works."""
    topic = get_object_or_404(topic_queryset(), pk=topic_id)
    return render(request, "works/topic_detail.html", {"page": topic_page(topic)})
