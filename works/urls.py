from django.urls import path

from works import import_views, views, work_views

app_name = "works"

urlpatterns = [
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue_detail"),
    path("institutions/<int:institution_id>/", views.institution_detail, name="institution_detail"),
    path("works/<int:work_id>/", work_views.work_redirect, name="work_redirect"),
    path("works/<int:work_id>/<slug:slug>/", work_views.work_detail, name="work_detail"),
    path("imports/", import_views.import_runs, name="import_runs"),
    path("imports/<int:run_id>/", import_views.import_run_detail, name="import_run_detail"),
]
