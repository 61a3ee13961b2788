from __future__ import annotations

from django.http import HttpRequest


def canonical_url(request: HttpRequest) -> dict[str, str]:
    """The page's canonical URL: this path on this host, without the query string (a search,
    a page number or a filter is a view of the page, not another page)."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
