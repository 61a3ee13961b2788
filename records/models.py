"""Record repair (issue 16): operations with their before-state, old slugs, duplicate candidates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q

from profiles.models import Researcher


class OperationKind(models.TextChoices):
    MERGE = "merge", "Merge"
    SPLIT = "split", "Split"


class OperationState(models.TextChoices):
    APPLIED = "applied", "Applied"
    UNDONE = "undone", "Undone"


class OperationQuerySet(models.QuerySet["Operation"]):
    def touching(self, researcher_id: int) -> OperationQuerySet:
        return self.filter(researcher_ids__contains=[researcher_id])

    def applied(self) -> OperationQuerySet:
        return self.filter(state=OperationState.APPLIED)


class Operation(models.Model):
    """One merge or split, with everything needed to undo it exactly (`before`).

    Researchers are named by id and by their name and slug at the time, not by foreign key:
    a merge deletes one of them, and the operation must outlive it.
    """

    kind = models.CharField(max_length=8, choices=OperationKind.choices)
    state = models.CharField(
        max_length=8, choices=OperationState.choices, default=OperationState.APPLIED
    )
    researcher_ids = ArrayField(models.IntegerField())  # every record it touched
    source_id = models.IntegerField()  # merged away, or split from
    target_id = models.IntegerField()  # surviving, or receiving the works
    source_name = models.CharField(max_length=500)
    source_slug = models.CharField(max_length=200)
    target_name = models.CharField(max_length=500)
    target_slug = models.CharField(max_length=200)
    target_created = models.BooleanField(default=False)  # a split to a new record
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_operations",
    )
    reason = models.TextField(blank=True)
    before: models.JSONField[dict[str, Any]] = models.JSONField()
    summary: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_reason = models.TextField(blank=True)

    objects = OperationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OperationKind.values), name="operation_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=OperationState.values), name="operation_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(source_id=F("target_id")), name="operation_two_records"
            ),
            models.CheckConstraint(
                condition=Q(state=OperationState.APPLIED) | Q(undone_at__isnull=False),
                name="operation_undone_has_time",
            ),
        ]
        indexes = [GinIndex(fields=["researcher_ids"], name="operation_researchers_gin")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SlugRedirect(models.Model):
    """A merged record's slug, answering a permanent redirect to the surviving record."""

    old_slug = models.SlugField(max_length=200, unique=True)
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+")
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="+")


class CandidateState(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Not the same person"


class DuplicateCandidate(models.Model):
    """Two records that may be one person, with a score and its reasons (`candidates_find`)."""

    low = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=CandidateState.choices, default=CandidateState.OPEN
    )
    # An owner's "Is this you too?": a request to merge the other record into theirs.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_into = models.IntegerField(null=True, blank=True)  # low or high
    requested_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="candidate_pair_once"),
            models.CheckConstraint(condition=Q(low__lt=F("high")), name="candidate_low_lt_high"),
            models.CheckConstraint(
                condition=Q(state__in=CandidateState.values), name="candidate_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_into__isnull=True)
                | Q(requested_into=F("low"))
                | Q(requested_into=F("high")),
                name="candidate_requested_into_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-score"], name="candidate_state_score"),
            models.Index(fields=["high"], name="candidate_high"),
        ]
