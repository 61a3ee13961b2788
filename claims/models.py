"""Claims on public author records, their audit trail, reason templates and "not mine" flags."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from profiles.models import Researcher
from works.models import Work


class ClaimState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REVOKED = "revoked", "Revoked"


# The only moves a claim can make; services check against this table.
CLAIM_TRANSITIONS: dict[str, set[str]] = {
    ClaimState.PENDING: {ClaimState.APPROVED, ClaimState.REJECTED, ClaimState.WITHDRAWN},
    ClaimState.APPROVED: {ClaimState.REVOKED},
}


class ClaimQuerySet(models.QuerySet["Claim"]):
    def pending(self) -> ClaimQuerySet:
        return self.filter(state=ClaimState.PENDING)

    def owned_by(self, user: Any) -> ClaimQuerySet:
        return self.filter(user=user)


class Claim(models.Model):
    """A user's request to be recognised as the person behind a public author record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims"
    )
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="claims")
    state = models.CharField(max_length=16, choices=ClaimState.choices, default=ClaimState.PENDING)
    claimant_name = models.CharField("your name as it appears on your publications", max_length=300)
    homepage_url = models.URLField("homepage or institutional page", max_length=500, blank=True)
    note = models.TextField("note to the moderators", max_length=4000, blank=True)
    # Filled when a moderator decides: the reason the claimant sees, and whether the evidence
    # at that moment was strong (it decides L2 or L3 and must not drift afterwards).
    reason = models.TextField(blank=True)
    strong_evidence = models.BooleanField(default=False)
    evidence_snapshot = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decided_claims",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ClaimState.values), name="claim_state_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "researcher"],
                condition=Q(state=ClaimState.PENDING),
                name="claim_one_pending_per_user_record",
            ),
            # At most one owner per record, whatever the application code does.
            models.UniqueConstraint(
                fields=["researcher"],
                condition=Q(state=ClaimState.APPROVED),
                name="claim_one_owner_per_record",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="claim_state_created"),
            models.Index(fields=["researcher", "state"], name="claim_researcher_state"),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk} on {self.researcher_id} ({self.state})"


class ClaimEvent(models.Model):
    """One transition of a claim: who moved it, when, from where to where, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_state = models.CharField(max_length=16, blank=True)  # "" when the claim is opened
    to_state = models.CharField(max_length=16, choices=ClaimState.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_state__in=ClaimState.values), name="claim_event_state_valid"
            ),
        ]


class ReasonKind(models.TextChoices):
    APPROVE = "approve", "Approval"
    REJECT = "reject", "Rejection"
    REVOKE = "revoke", "Revocation"
    FLAG = "flag", "Work flag decision"


class ReasonTemplate(models.Model):
    """A reusable reason a moderator picks instead of retyping it."""

    kind = models.CharField(max_length=16, choices=ReasonKind.choices)
    title = models.CharField(max_length=120)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "title"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "title"], name="reason_template_once"),
            models.CheckConstraint(
                condition=Q(kind__in=ReasonKind.values), name="reason_template_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class FlagState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class WorkFlag(models.Model):
    """An owner's "not mine" on a work of their record; accepted, it detaches the work."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="work_flags")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="flags")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_flags"
    )
    note = models.TextField(max_length=2000, blank=True)
    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.PENDING)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Accepted by moving the work to another record: the records app's split operation (an id,
    # not a foreign key: this app sits below records). Undoing it puts the flag back as it was.
    moved_by_operation = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=FlagState.values), name="work_flag_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(moved_by_operation__isnull=True) | Q(state=FlagState.ACCEPTED),
                name="work_flag_moved_is_accepted",
            ),
            models.UniqueConstraint(
                fields=["researcher", "work"],
                condition=Q(state=FlagState.PENDING),
                name="work_flag_one_pending",
            ),
        ]


class CollaborationInvite(models.Model):
    """Legacy: the one-way e-mail invitation that collab's requests replaced (issue 15).

    No longer written; collab's migration 0002 copied each one into a collaboration request,
    and the admin still shows them read-only.
    """

    researcher = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="collaboration_invites"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_invites"
    )
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(message=""), name="invite_message_not_empty"),
        ]
        indexes = [models.Index(fields=["sender", "created_at"], name="invite_sender_created")]
