from django.urls import path

from graph import views

app_name = "graph"

urlpatterns = [
    path("researchers/<slug:slug>/graph-slice/", views.graph_slice, name="slice"),
    path(
        "researchers/<slug:slug>/graph-slice.graphml",
        views.graph_slice_graphml,
        name="slice_graphml",
    ),
    path("researchers/<slug:slug>/graph-slice.json", views.graph_slice_json, name="slice_json"),
    path("researchers/<slug:slug>/explorer/", views.explorer, name="explorer"),
]
