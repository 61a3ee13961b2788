"""HTTP glue for our pages: the request type views receive, how pages are cached, and the
error page when a request fails (503 when the database is unreachable)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import has_vary_header, patch_cache_control
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class NoStoreViewerPagesMiddleware:
    """Pages that depend on who is looking are never stored by the browser.

    Every page shows the viewer's state (who is logged in, the CSRF token for htmx, whether
    they follow a researcher), so it varies on the cookie. Without `no-store`, the Back button
    shows such a page from the browser's cache as it was before an htmx swap changed it
    ("Follow researcher 0" after following) or before logging in or out. A view that set its
    own Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        # The session and CSRF middleware add Vary: Cookie whenever the page read the session
        # or the CSRF token. (Never `request.user` here: a 500 page must not touch the DB.)
        if has_vary_header(response, "Cookie"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: a database that cannot be reached is not "something went wrong"
    but a 503 saying so (nothing was changed; try again shortly), other errors the 500 page.

    Both render with an empty context, as Django's own handler does: no request, no user, no
    database (the database may be what failed)."""
    failure = sys.exc_info()[1]
    if isinstance(failure, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
