from django.urls import path

from works import views, work_views

app_name = "works"

urlpatterns = [
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("works/<int:work_id>/", work_views.work_redirect, name="work_redirect"),
    path("works/<int:work_id>/<slug:slug>/", work_views.work_detail, name="work_detail"),
]
