"""HTTP glue for our pages: the request type views receive, how pages are cached, and the
error page when a request fails (503 when the database is unreachable)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    has_vary_header,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from django_htmx.middleware import HtmxDetails
from psycopg import errors as pg_errors

from profiles.page_cache import (
    STORE_WHOLE_PAGE,
    PageKey,
    StoredPage,
    VersionsUnavailable,
    profile_page_get,
    profile_page_key,
    profile_page_set,
)

# What PostgreSQL raises when a request collides with another change (SQLSTATE 40P01, 40001,
# 55P03): the transaction was rolled back whole, and sending the request again succeeds.
TRANSIENT_CONFLICTS = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Staff (moderators) only: anonymous visitors are sent to log in, everyone else gets a
    404 — the page's existence is not told to those who may not see it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class NoStoreViewerPagesMiddleware:
    """Pages that depend on who is looking are never stored by the browser.

    Every page shows the viewer's state (who is logged in, their CSRF token for htmx, whether
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


# Headers of the rendered page that are the same for every anonymous visitor (Content-Type, CSP,
# X-Frame-Options, …); the rest is set per visitor (cookies, validators, Vary, Cache-Control).
PER_VISITOR_HEADERS = {
    "set-cookie",
    "vary",
    "cache-control",
    "etag",
    "last-modified",
    "content-length",
    "expires",
}


class AnonymousProfilePageMiddleware:
    """The profile page of an unclaimed record for a visitor without a session, whole from the
    cache (`profiles.page_cache`): one query for the record's versions, one cache GET (none
    once this process holds a copy).

    It sits above the session, CSRF, auth and messages middleware: a hit never touches a
    session. The page is the same bytes for every such visitor — an anonymous page carries no
    CSRF token and sets no cookie (templates/base.html says why) — so its ETag is the key's
    digest and a shared cache may keep it (`public, no-cache`: revalidated on every use, so a
    data change shows on the next view; `Vary: Cookie` keeps a signed-in visitor's request,
    which has a session cookie, from ever matching it). A miss (or Redis down) goes down the
    whole stack to the view, which renders the anonymous page; it is stored here on the way
    out. Everything else — signed-in viewers, a claimed record (its header shows the owner's
    live openness, which no key tracks), a query string, htmx — passes through untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        slug = self._anonymous_profile_slug(request)
        key = None
        if slug is not None:
            try:
                key = profile_page_key(slug=slug, origin=f"{request.scheme}://{request.get_host()}")
            except VersionsUnavailable:
                key = None  # the full stack renders (or answers 503) on a checked connection
        if key is None or key.claimed:
            return self.get_response(request)
        page = profile_page_get(key.key)
        if page is None:
            setattr(request, STORE_WHOLE_PAGE, True)
            response = self.get_response(request)
            # Only what the view rendered for storing (not a 404, a 503, a redirect), and never
            # a response that set a cookie: that would be one visitor's, served to all.
            if not getattr(response, STORE_WHOLE_PAGE, False) or response.cookies:
                return response
            page = StoredPage(
                body=response.content,
                headers=tuple(
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in PER_VISITOR_HEADERS
                ),
                rendered_at=timezone.now(),
            )
            profile_page_set(key.key, page)
        return self._answer(request, key, page)

    def _anonymous_profile_slug(self, request: HttpRequest) -> str | None:
        if (
            request.method != "GET"
            or request.META.get("QUERY_STRING")
            or "HTTP_HX_REQUEST" in request.META
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or CookieStorage.cookie_name in request.COOKIES  # a message to show
        ):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name != "profiles:researcher_detail":
            return None
        return str(match.kwargs["slug"])

    def _answer(self, request: HttpRequest, key: PageKey, page: StoredPage) -> HttpResponseBase:
        etag = f'"{key.digest}"'
        last_modified = int(page.rendered_at.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = HttpResponse(page.body)
            for name, value in page.headers:
                response[name] = value
            response["Content-Length"] = str(len(page.body))
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # Any cache may keep it, revalidating on every use (a 304: one small query).
        patch_cache_control(response, public=True, no_cache=True)
        patch_vary_headers(response, ("HX-Request", "Cookie"))
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: a database that cannot be reached is not "something went wrong"
    but a 503 saying so (nothing was changed; try again shortly), other errors the 500 page.

    Both render with an empty context, as Django's own handler does: no request, no user, no
    database (the database may be what failed)."""
    failure = sys.exc_info()[1]
    if isinstance(failure, OperationalError | InterfaceError):
        # A deadlock, a serialization failure or a lock wait cut short is not an outage: the
        # database answered, and the request lost a race with another change to the same rows.
        conflict = isinstance(failure.__cause__, TRANSIENT_CONFLICTS)
        response = HttpResponse(
            loader.get_template("503.html").render({"conflict": conflict}), status=503
        )
        response["Retry-After"] = "1" if conflict else "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
