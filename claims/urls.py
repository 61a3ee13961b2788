from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("researchers/<slug:slug>/claim/", views.claim_create, name="claim_create"),
    path("researchers/<slug:slug>/manage/", views.owner_manage, name="owner_manage"),
    path(
        "researchers/<slug:slug>/manage/orcid/",
        views.owner_orcid_attach,
        name="owner_orcid_attach",
    ),
    path(
        "researchers/<slug:slug>/works/<int:work_id>/not-mine/",
        views.work_flag_create,
        name="work_flag_create",
    ),
    path("claims/", views.my_claims, name="my_claims"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:claim_id>/withdraw/", views.claim_withdraw_view, name="claim_withdraw"),
    path("moderation/claims/", views.moderation_queue_view, name="moderation_queue"),
    path("moderation/claims/bulk/", views.moderation_bulk, name="moderation_bulk"),
    path("moderation/claims/<int:claim_id>/", views.moderation_detail, name="moderation_detail"),
    path(
        "moderation/claims/<int:claim_id>/<str:action>/",
        views.moderation_decide,
        name="moderation_decide",
    ),
    path("moderation/flags/", views.moderation_flags, name="moderation_flags"),
    path(
        "moderation/flags/<int:flag_id>/<str:action>/",
        views.moderation_flag_decide,
        name="moderation_flag_decide",
    ),
]
