from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("moderation/records/", views.candidate_queue_view, name="candidate_queue"),
    path(
        "moderation/records/candidates/<int:candidate_id>/dismiss/",
        views.candidate_dismiss_view,
        name="candidate_dismiss",
    ),
    path("moderation/records/merge/", views.merge_preview_view, name="merge_preview"),
    path("moderation/records/merge/do/", views.merge_view, name="merge"),
    path("moderation/records/<slug:slug>/split/", views.split_view, name="split"),
    path("moderation/records/flags/<int:flag_id>/move/", views.flag_move_view, name="flag_move"),
    path("operations/<int:operation_id>/", views.operation_detail, name="operation_detail"),
    path("operations/<int:operation_id>/undo/", views.operation_undo_view, name="operation_undo"),
    path("researchers/<slug:slug>/history/", views.record_history, name="record_history"),
    path("researchers/<slug:slug>/duplicates/", views.owner_duplicates, name="owner_duplicates"),
    path(
        "researchers/<slug:slug>/duplicates/<int:candidate_id>/request/",
        views.owner_merge_request,
        name="owner_merge_request",
    ),
]
