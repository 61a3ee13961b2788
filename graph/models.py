"""Graph slices computed by the worker and stored for the profile's lazy fragment."""

from __future__ import annotations

from django.db import models

from profiles.models import Researcher


class SliceStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class GraphSlice(models.Model):
    """One slice per researcher and data version; a new import makes a new version."""

    researcher = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="graph_slices"
    )
    data_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=SliceStatus.choices, default=SliceStatus.PENDING
    )
    payload = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    compute_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["researcher", "data_version"], name="graph_slice_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SliceStatus.values), name="graph_slice_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | models.Q(payload__isnull=False),
                name="graph_slice_ready_has_payload",
            ),
        ]
