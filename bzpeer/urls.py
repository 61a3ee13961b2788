from django.contrib import admin
from django.urls import include, path

from openweb.api import api
from profiles import views as profile_views

urlpatterns = [
    path("", profile_views.home, name="home"),
    path("", include("profiles.urls")),
    path("", include("graph.urls")),
    path("", include("works.urls")),
    path("", include("claims.urls")),
    path("", include("openweb.urls")),
    path("", include("records.urls")),
    path("", include("collab.urls")),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached answers 503 with its own page; other errors the 500 page.
handler500 = "profiles.http.server_error"
