"""The yardstick of bench/http.py: Django answering `HttpResponse("ok")` and nothing else.

No middleware, no database, no templates: what one request through Django under gunicorn
costs on this machine, so the site's pages can be read as a fraction of it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare",  # noqa: S106 - a throwaway app with no sessions or signing
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("", ok)]
application = get_wsgi_application()
