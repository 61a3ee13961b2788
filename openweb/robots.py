"""robots.txt: what crawlers may index, and where the sitemap is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# What a crawler must not trigger or wander into: slice computation and the explorer (every
# URL cuts a neighbourhood, and its query string makes the space of URLs endless), search
# results, exports, accounts and moderation. RFC 9309 `*` wildcards.
DISALLOWED = (
    "/researchers/*/graph-slice",
    "/researchers/*/explorer/",
    "/researchers/*/claim/",
    "/researchers/*/manage/",
    "/researchers/*/invite/",
    "/researchers/*/works.",
    "/works/*/citation.",
    "/*?q=",
    "/accounts/",
    "/admin/",
    "/claims/",
    "/moderation/",
    "/following/",
    "/api/",
)


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """The rules for every crawler, and the sitemap index's absolute URL."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('openweb:sitemap_index'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
