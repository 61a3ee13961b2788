from django.urls import path

from works import views, work_views

app_name = "works"

urlpatterns = [
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue_detail"),
    path("institutions/<int:institution_id>/", views.institution_detail, name="institution_detail"),
    path("works/<int:work_id>/", work_views.work_redirect, name="work_redirect"),
    path("works/<int:work_id>/<slug:slug>/", work_views.work_detail, name="work_detail"),
]
