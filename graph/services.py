"""Writes for graph slices: request one (enqueue on commit), compute one (idempotent)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graph.algorithms import SliceCaps, build_slice, slice_payload
from graph.models import GraphSlice, SliceStatus
from graph.selectors import slice_inputs
from profiles.models import Researcher

logger = logging.getLogger(__name__)

# A slice still queued after this long most likely has no worker to run it.
STALE_PENDING_AFTER = timedelta(seconds=30)
QUEUE_UNREACHABLE = "The task queue is unreachable, so the graph could not be built."
QUEUE_ERRORS = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)


def _enqueue(slice_id: int, researcher_id: int, data_version: int) -> None:
    from graph.tasks import compute_graph_slice

    try:
        compute_graph_slice.apply_async(
            kwargs={"researcher_id": researcher_id, "data_version": data_version}, retry=False
        )
    except QUEUE_ERRORS:
        logger.warning("could not enqueue graph slice %s", slice_id, exc_info=True)
        GraphSlice.objects.filter(pk=slice_id, status=SliceStatus.PENDING).update(
            status=SliceStatus.FAILED, error=QUEUE_UNREACHABLE
        )


def graph_slice_request(*, researcher: Researcher) -> GraphSlice:
    """The slice for the researcher's current data, enqueued for the worker if new."""
    graph_slice, created = GraphSlice.objects.get_or_create(
        researcher=researcher, data_version=researcher.data_version
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


def graph_slice_compute(
    *, researcher_id: int, data_version: int, caps: SliceCaps | None = None
) -> bool:
    """Compute and store one slice; a slice already READY is left alone (returns False)."""
    caps = caps or SliceCaps()
    # Compare-and-swap: a redelivered task finds the slice READY and does nothing.
    claimed = (
        GraphSlice.objects.filter(researcher_id=researcher_id, data_version=data_version)
        .exclude(status=SliceStatus.READY)
        .update(started_at=timezone.now(), status=SliceStatus.PENDING)
    )
    if not claimed:
        return False
    started = time.perf_counter()
    try:
        payload = slice_payload(build_slice(slice_inputs(researcher_id), caps))
    except Exception as exc:
        GraphSlice.objects.filter(researcher_id=researcher_id, data_version=data_version).update(
            status=SliceStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    GraphSlice.objects.filter(researcher_id=researcher_id, data_version=data_version).update(
        status=SliceStatus.READY,
        payload=payload,
        error="",
        computed_at=timezone.now(),
        compute_ms=round((time.perf_counter() - started) * 1000),
    )
    # Older versions are never served again (the page asks for the current one).
    GraphSlice.objects.filter(researcher_id=researcher_id, data_version__lt=data_version).delete()
    return True


def graph_slices_precompute(*, researcher_ids: list[int]) -> int:
    """Build the current slice of each researcher now, so nobody waits for it; returns how
    many were computed. Ready slices are left alone (each compute is a compare-and-swap)."""
    versions = dict(
        Researcher.objects.filter(pk__in=researcher_ids).values_list("pk", "data_version")
    )
    GraphSlice.objects.bulk_create(
        [GraphSlice(researcher_id=pk, data_version=v) for pk, v in versions.items()],
        ignore_conflicts=True,
    )
    computed = 0
    for pk, version in sorted(versions.items()):
        try:
            computed += graph_slice_compute(researcher_id=pk, data_version=version)
        except Exception:
            # The slice is marked failed (with its error) by graph_slice_compute and the page
            # offers a retry; one bad record must not keep the rest of an import's slices back.
            logger.exception("graph slice of researcher %s failed", pk)
    return computed
