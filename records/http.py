"""A merged record's old URLs answer a permanent redirect to the surviving record."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from records.models import SlugRedirect

# Every page of a record lives under /researchers/<slug>/ (profile, claim, explorer, …).
_RECORD_PATH = re.compile(r"^/researchers/(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)$")


class OldSlugRedirectMiddleware:
    """Turn a 404 under /researchers/<old-slug>/ into a 301 to the surviving record's URL.

    Only after the view answered 404, so a live record always wins and a normal page costs no
    extra query; only for GET and HEAD (a POST to an old URL must not be replayed elsewhere).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        match = _RECORD_PATH.match(request.path_info)
        if match is None:
            return response
        new_slug = (
            SlugRedirect.objects.filter(old_slug=match["slug"])
            .values_list("researcher__slug", flat=True)
            .first()
        )
        if new_slug is None:
            return response
        location = f"{request.path[: -len(request.path_info)]}/researchers/{new_slug}/"
        location += match["rest"]
        if request.META.get("QUERY_STRING"):
            location += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(location)
