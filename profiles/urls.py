from django.urls import path

from profiles import follow_views, views

app_name = "profiles"

urlpatterns = [
    path("researchers/<slug:slug>/", views.researcher_detail, name="researcher_detail"),
    path(
        "researchers/<slug:slug>/follow/", follow_views.researcher_follow, name="researcher_follow"
    ),
    path(
        "researchers/<slug:slug>/unfollow/",
        follow_views.researcher_unfollow,
        name="researcher_unfollow",
    ),
    path("researchers/<slug:slug>/coauthors/", views.coauthors, name="coauthors"),
    path("following/", follow_views.following, name="following"),
]
