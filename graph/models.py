"""Graph slices computed by the worker and stored for the profile's lazy fragment."""

from __future__ import annotations

from django.db import models

from profiles.models import Researcher


class SliceStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class GraphSlice(models.Model):
    """One slice per researcher, data version and payload version.

    A new import bumps the researcher's `data_version`; a deploy that changes how a slice is
    drawn or worded bumps `graph.drawing.PAYLOAD_VERSION`. Either way the stored slice no longer
    matches the key the page asks for, so it is never served and a new one is built."""

    researcher = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="graph_slices"
    )
    data_version = models.PositiveIntegerField()
    # The format of `payload` (layout, geometry, wording) it was drawn with.
    payload_version = models.PositiveIntegerField()
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
                fields=["researcher", "data_version", "payload_version"],
                name="graph_slice_per_version",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SliceStatus.values), name="graph_slice_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | models.Q(payload__isnull=False),
                name="graph_slice_ready_has_payload",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | models.Q(started_at__isnull=False, computed_at__isnull=False),
                name="graph_slice_ready_has_timestamps",
            ),
        ]
