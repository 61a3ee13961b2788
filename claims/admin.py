"""Claims in Django admin: read-only state, decisions only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from claims.models import Claim, ClaimEvent, CollaborationInvite, ReasonTemplate, WorkFlag
from claims.services.claims import claim_approve, claim_reject
from claims.services.errors import ClaimError
from claims.services.flags import work_flag_accept


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "reason")
    readonly_fields = ("created_at", "actor", "from_state", "to_state", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run(request: HttpRequest, ids: list[int], decide: Any, **kwargs: Any) -> None:
    for pk in ids:
        try:
            decide(pk, **kwargs)
        except ClaimError as exc:
            messages.error(request, f"#{pk}: {exc}")
        else:
            messages.success(request, f"#{pk}: done")


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "researcher", "user", "state", "created_at", "queue_link"]
    list_filter = ["state"]
    search_fields = ["researcher__display_name", "user__username", "user__email"]
    readonly_fields = [
        "user",
        "researcher",
        "state",
        "claimant_name",
        "homepage_url",
        "note",
        "reason",
        "strong_evidence",
        "evidence_snapshot",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    inlines = [ClaimEventInline]
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # claims are opened by their claimants

    @admin.display(description="moderation")
    def queue_link(self, obj: Claim) -> str:
        url = reverse("claims:moderation_detail", args=[obj.pk])
        return format_html('<a href="{}">Open in the moderation queue</a>', url)

    @admin.action(description="Approve selected pending claims")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        _run(request, ids, lambda pk: claim_approve(claim_id=pk, moderator=request.user))

    @admin.action(description="Reject selected pending claims (generic reason)")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        reason = "The evidence did not show that this record is yours."
        _run(
            request,
            ids,
            lambda pk: claim_reject(claim_id=pk, moderator=request.user, reason=reason),
        )


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "active"]
    list_filter = ["kind", "active"]


@admin.register(WorkFlag)
class WorkFlagAdmin(admin.ModelAdmin):
    list_display = ["id", "researcher", "work", "raised_by", "state", "created_at"]
    list_filter = ["state"]
    readonly_fields = [
        "researcher",
        "work",
        "raised_by",
        "note",
        "state",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    actions = ["accept_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Accept selected flags (detach the works)")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[WorkFlag]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        _run(request, ids, lambda pk: work_flag_accept(flag_id=pk, moderator=request.user))


@admin.register(CollaborationInvite)
class CollaborationInviteAdmin(admin.ModelAdmin):
    list_display = ["id", "researcher", "sender", "created_at"]
    readonly_fields = ["researcher", "sender", "message", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
