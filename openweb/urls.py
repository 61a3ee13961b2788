from django.urls import path

from openweb import views

app_name = "openweb"

urlpatterns = [
    path("works/<int:work_id>/citation.<str:fmt>", views.work_citation, name="work_citation"),
    path(
        "researchers/<slug:slug>/works.<str:fmt>",
        views.researcher_citations,
        name="researcher_citations",
    ),
]
