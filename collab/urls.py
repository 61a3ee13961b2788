from django.urls import path

from collab import views

app_name = "collab"

urlpatterns = [
    path("researchers/<slug:slug>/collaborate/", views.request_create, name="request_create"),
    path(
        "researchers/<slug:slug>/manage/collaboration/",
        views.openness_edit,
        name="openness_edit",
    ),
    path("collaboration/", views.inbox_view, name="inbox"),
    path("collaboration/blocks/<int:user_id>/remove/", views.block_remove, name="block_remove"),
    path("collaboration/<uuid:public_id>/", views.request_detail, name="request_detail"),
    path("collaboration/<uuid:public_id>/messages/", views.message_create, name="message_create"),
    path("collaboration/<uuid:public_id>/report/", views.report_create, name="report_create"),
    path(
        "collaboration/<uuid:public_id>/<str:action>/",
        views.request_answer,
        name="request_answer",
    ),
    path("moderation/collaboration/", views.moderation_reports, name="moderation_reports"),
    path(
        "moderation/collaboration/<int:report_id>/<str:action>/",
        views.moderation_report_decide,
        name="moderation_report_decide",
    ),
]
