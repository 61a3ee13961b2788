from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("researchers/<slug:slug>/", views.researcher_detail, name="researcher_detail"),
]
