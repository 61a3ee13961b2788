"""Direct collaboration: the owner's openness, requests that become threads, and safety.

A request is sent by a signed-in, verified user to the owner (approved claimant) of a record.
Accepted, it is a thread between the two. Blocks and reports keep it safe; notices are
recorded in the database in the same transaction as what they announce, and a periodic digest
sends them, so nothing is lost while Redis (the broker) is down.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from profiles.models import Researcher
from works.models import Topic, Work


class CollabKind(models.TextChoices):
    COAUTHORING = "coauthoring", "Co-authoring"
    REVIEWING = "reviewing", "Reviewing"
    DATA_CODE = "data_code", "Data or code sharing"
    TALK_VISIT = "talk_visit", "A talk or visit"
    OTHER = "other", "Other"


class Openness(models.Model):
    """What the owner of a record accepts: kinds, topics, capacity, a pause, e-mail sharing."""

    researcher = models.OneToOneField(
        Researcher, on_delete=models.CASCADE, primary_key=True, related_name="collab_openness"
    )
    is_open = models.BooleanField(default=False)
    # Empty: every kind; otherwise only these.
    kinds = ArrayField(
        models.CharField(max_length=16, choices=CollabKind.choices), default=list, blank=True
    )
    # Empty: every topic; otherwise a request must be about at least one of these.
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    # New requests accepted per calendar month (UTC); null: no limit.
    monthly_capacity = models.PositiveSmallIntegerField(null=True, blank=True)
    paused_until = models.DateField(null=True, blank=True)
    # Whether an accepted requester sees the owner's e-mail address (never by default).
    share_email = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kinds__contained_by=CollabKind.values), name="openness_kinds_valid"
            ),
            models.CheckConstraint(
                condition=Q(monthly_capacity__isnull=True) | Q(monthly_capacity__gte=1),
                name="openness_capacity_positive",
            ),
        ]


class RequestState(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ARCHIVED = "archived", "Archived without an answer"
    CLOSED = "closed", "Closed"


OPEN_STATES = (RequestState.PENDING, RequestState.ACCEPTED)


class CollabRequest(models.Model):
    """A collaboration request to a record's owner; once accepted, the thread between them."""

    # The only id in URLs: not guessable, so no one walks into another pair's thread.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    researcher = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="collab_requests"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collab_received"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collab_sent"
    )
    # The sender's own claimed record when they sent it (what the fit was computed from).
    # PROTECT, not SET_NULL: a record merge moves these rows first (records' relations), and
    # nothing else deletes a record someone wrote from.
    sender_researcher = models.ForeignKey(
        Researcher, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=CollabKind.choices)
    topics = models.ManyToManyField(Topic, related_name="+")
    works = models.ManyToManyField(Work, blank=True, related_name="+")
    message = models.TextField(max_length=2000)
    fit = models.JSONField(default=dict, blank=True)  # the fit as the sender saw it
    state = models.CharField(
        max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    decline_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Unread = activity after the side's last read; both move in the services only.
    last_activity_at = models.DateTimeField()
    owner_read_at = models.DateTimeField(null=True, blank=True)
    sender_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="collab_request_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CollabKind.values), name="collab_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(message=""), name="collab_request_message_not_empty"
            ),
            models.CheckConstraint(
                condition=~Q(sender=F("owner")), name="collab_request_not_to_self"
            ),
            # One open request or thread per sender and record, whatever the code does.
            models.UniqueConstraint(
                fields=["sender", "researcher"],
                condition=Q(state__in=["pending", "accepted"]),
                name="collab_request_one_open_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state", "last_activity_at"], name="collab_owner_state"),
            models.Index(fields=["sender", "created_at"], name="collab_sender_created"),
            models.Index(fields=["researcher", "created_at"], name="collab_researcher_created"),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} to {self.researcher_id} ({self.state})"

    # How each side is named to the other: by their public record, never by the username
    # (allauth derives it from the e-mail address, which stays private).
    @property
    def sender_label(self) -> str:
        if self.sender_researcher_id is not None:
            assert self.sender_researcher is not None
            return self.sender_researcher.display_name
        return person_label(self.sender, record_name="")

    @property
    def owner_label(self) -> str:
        return self.researcher.display_name


def person_label(user: Any, *, record_name: str) -> str:
    """A user as other users see them: their record's name, their own name, or neither."""
    return record_name or user.get_full_name() or "someone without a claimed record"


class CollabMessage(models.Model):
    """One message in an accepted request's thread."""

    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="collab_message_not_empty"),
        ]


class Block(models.Model):
    """`blocker` never hears from `blocked` again: no request, no message, either way."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collab_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="collab_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="collab_block_not_self"
            ),
        ]


class ReportState(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld (thread closed)"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A participant reports a request or one of its messages to the moderators."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey(
        CollabMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.TextField(max_length=2000)
    state = models.CharField(max_length=16, choices=ReportState.choices, default=ReportState.OPEN)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values), name="collab_report_state_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="collab_report_reason_given"),
            # A reporter reports one thing once while it is open (a double click is one report).
            models.UniqueConstraint(
                fields=["reporter", "request", "message"],
                condition=Q(state="open"),
                nulls_distinct=False,
                name="collab_report_once_open",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="collab_report_state")]


class NoticeKind(models.TextChoices):
    REQUEST = "request", "New request"
    ACCEPTED = "accepted", "Request accepted"
    DECLINED = "declined", "Request declined"
    MESSAGE = "message", "New message"
    CLOSED = "closed", "Thread closed"


class Notice(models.Model):
    """Something to tell `recipient` by e-mail, written in the transaction that caused it.

    The digest task sends a recipient's unsent notices as one mail and marks them sent in
    the same transaction; a failed mail leaves them unsent for the next run.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collab_notices"
    )
    request = models.ForeignKey(CollabRequest, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="collab_notice_kind_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(sent_at__isnull=True),
                name="collab_notice_unsent",
            )
        ]
