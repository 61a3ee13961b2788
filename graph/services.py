"""Writes of the request side: ask for the current slice (enqueued on commit), retry one.

The slice the page asks for is keyed by (researcher, `data_version`, `PAYLOAD_VERSION`): a slice
stored under an older data or payload version is never served. The worker's side — compute and
store — is `graph.compute`, wrapped by `graph.tasks`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from graph.tasks import compute_graph_slice
from profiles.models import Researcher
from profiles.services.refresh import QUEUE_ERRORS

logger = logging.getLogger(__name__)

# A slice still queued after this long most likely has no worker to run it.
STALE_PENDING_AFTER = timedelta(seconds=30)
QUEUE_UNREACHABLE = "The task queue is unreachable, so the graph could not be built."


def _enqueue(slice_id: int, researcher_id: int, data_version: int) -> None:
    try:
        compute_graph_slice.apply_async(
            kwargs={"researcher_id": researcher_id, "data_version": data_version}, retry=False
        )
    except QUEUE_ERRORS:
        logger.warning("could not enqueue graph slice %s", slice_id, exc_info=True)
        GraphSlice.objects.filter(pk=slice_id, status=SliceStatus.PENDING).update(
            status=SliceStatus.FAILED, error=QUEUE_UNREACHABLE
        )


def current_graph_slice(researcher: Researcher) -> GraphSlice | None:
    """The stored slice for the researcher's current data and payload format, if any."""
    return GraphSlice.objects.filter(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
    ).first()


def graph_slice_request(*, researcher: Researcher) -> GraphSlice:
    """The slice for the researcher's current data, enqueued for the worker if new."""
    graph_slice, created = GraphSlice.objects.get_or_create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
    )
    if created:
        transaction.on_commit(
            lambda: _enqueue(graph_slice.pk, researcher.pk, researcher.data_version)
        )
        graph_slice.refresh_from_db()
    return graph_slice


def graph_slice_retry(*, researcher: Researcher) -> GraphSlice:
    """Put a failed or stuck slice back in the queue."""
    graph_slice = graph_slice_request(researcher=researcher)
    if graph_slice.status == SliceStatus.READY:
        return graph_slice
    GraphSlice.objects.filter(pk=graph_slice.pk).exclude(status=SliceStatus.READY).update(
        status=SliceStatus.PENDING, error="", requested_at=timezone.now(), started_at=None
    )
    transaction.on_commit(lambda: _enqueue(graph_slice.pk, researcher.pk, graph_slice.data_version))
    graph_slice.refresh_from_db()
    return graph_slice


def graph_slice_is_stale(graph_slice: GraphSlice) -> bool:
    return (
        graph_slice.status == SliceStatus.PENDING
        and graph_slice.started_at is None
        and timezone.now() - graph_slice.requested_at > STALE_PENDING_AFTER
    )
