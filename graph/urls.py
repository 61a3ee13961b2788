from django.urls import path

from graph import views

app_name = "graph"

urlpatterns = [
    path("researchers/<slug:slug>/graph-slice/", views.graph_slice, name="slice"),
]
