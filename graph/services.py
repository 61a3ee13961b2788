"""Writes of the request side: ask for the current slice (enqueued on commit), retry one.

The slice the page asks for is keyed by (researcher, `data_version`, `PAYLOAD_VERSION`): a slice
stored under an older data or payload version is never served. The worker's side — compute and
store — is `graph.compute`, wrapped by `graph.tasks`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from profiles.models import Researcher
from profiles.services.refresh import QUEUE_ERRORS

logger = logging.getLogger(__name__)

# Sent by name: the tasks module wraps this one (the sweeper), so importing it would be a cycle.
COMPUTE_TASK = "graph.tasks.compute_graph_slice"
QUEUE_UNREACHABLE = "The task queue is unreachable, so the graph could not be built."


def slice_deadline() -> timedelta:
    """A slice queued or started longer ago than this is lost (its worker killed, its message
    dropped in a broker outage): the page offers Retry and the sweeper re-enqueues it. A slice
    takes well under a second to build, a precompute chunk seconds."""
    return timedelta(seconds=settings.BZPEER_SLICE_DEADLINE)


def _enqueue(slice_id: int, researcher_id: int, data_version: int) -> bool:
    """Send the compute; with the broker down, mark the slice failed with a clear message
    (the page offers Retry, and the sweeper retries it once the broker is back)."""
    try:
        current_app.signature(
            COMPUTE_TASK, kwargs={"researcher_id": researcher_id, "data_version": data_version}
        ).apply_async(retry=False)
    except QUEUE_ERRORS:
        logger.warning("could not enqueue graph slice %s", slice_id, exc_info=True)
        GraphSlice.objects.filter(pk=slice_id, status=SliceStatus.PENDING).update(
            status=SliceStatus.FAILED, error=QUEUE_UNREACHABLE
        )
        return False
    return True


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
    """Put a failed or stuck slice back in the queue, once however many retry at the same time.

    A slice that is ready, or pending within its time, is left as it is (its task is queued
    or running). Otherwise it is taken by compare-and-swap on (status, requested_at): of
    concurrent retries exactly one moves it and enqueues the task, the others see it pending.
    """
    graph_slice = graph_slice_request(researcher=researcher)
    if graph_slice.status != SliceStatus.FAILED and not graph_slice_is_stale(graph_slice):
        return graph_slice
    taken = GraphSlice.objects.filter(
        pk=graph_slice.pk, status=graph_slice.status, requested_at=graph_slice.requested_at
    ).update(status=SliceStatus.PENDING, error="", requested_at=timezone.now(), started_at=None)
    if taken:
        transaction.on_commit(
            lambda: _enqueue(graph_slice.pk, researcher.pk, graph_slice.data_version)
        )
    graph_slice.refresh_from_db()
    return graph_slice


def graph_slice_is_stale(graph_slice: GraphSlice) -> bool:
    """Pending past its deadline, queued or started: the page offers Retry, not "Building…"."""
    if graph_slice.status != SliceStatus.PENDING:
        return False
    since = graph_slice.started_at or graph_slice.requested_at
    return timezone.now() - since > slice_deadline()


def graph_slices_sweep(*, limit: int = 200) -> int:
    """Re-enqueue current slices lost to a fault (beat, every few seconds); returns how many.

    Lost: pending past the deadline since requested or started (a killed worker, a message
    dropped while the broker was down), or failed because the queue was unreachable. Each is
    taken by compare-and-swap (its `requested_at` moves on), so two sweeps never both send it;
    a slice whose worker was only slow is built twice at worst (the compute is idempotent).
    """
    cutoff = timezone.now() - slice_deadline()
    lost = Q(status=SliceStatus.PENDING) & (
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, requested_at__lt=cutoff)
    )
    outage = Q(status=SliceStatus.FAILED, error=QUEUE_UNREACHABLE)
    candidates = GraphSlice.objects.filter(
        lost | outage,
        payload_version=PAYLOAD_VERSION,
        data_version=F("researcher__data_version"),
    ).values_list("pk", "researcher_id", "data_version", "status", "requested_at")[:limit]
    swept = 0
    for pk, researcher_id, data_version, status, requested_at in candidates:
        taken = GraphSlice.objects.filter(pk=pk, status=status, requested_at=requested_at).update(
            status=SliceStatus.PENDING, error="", requested_at=timezone.now(), started_at=None
        )
        if not taken:
            continue
        if not _enqueue(pk, researcher_id, data_version):
            break  # the broker is down again: the rest wait for the next sweep
        swept += 1
    return swept
