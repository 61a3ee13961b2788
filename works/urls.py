from django.urls import path

from works import views

app_name = "works"

urlpatterns = [
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
]
