"""Writes of the worker's side: compute and store slices (idempotent, compare-and-swap).

`graph.tasks` wraps these; the request side (`graph.services`) enqueues those tasks. Keeping the
two apart is what keeps `services → tasks → compute` free of an import cycle.
"""

from __future__ import annotations

import logging
import time

from django.db.models import Q
from django.utils import timezone

from graph.algorithms import SliceCaps, build_slice
from graph.cut import slice_inputs
from graph.drawing import PAYLOAD_VERSION, slice_payload
from graph.models import GraphSlice, SliceStatus
from profiles.models import Researcher

logger = logging.getLogger(__name__)


def graph_slice_compute(
    *, researcher_id: int, data_version: int, caps: SliceCaps | None = None
) -> bool:
    """Compute and store one slice; a slice already READY is left alone (returns False)."""
    caps = caps or SliceCaps()
    this_slice = GraphSlice.objects.filter(
        researcher_id=researcher_id, data_version=data_version, payload_version=PAYLOAD_VERSION
    )
    # Compare-and-swap: a redelivered task finds the slice READY and does nothing.
    started_at = timezone.now()
    claimed = this_slice.exclude(status=SliceStatus.READY).update(
        started_at=started_at, status=SliceStatus.PENDING
    )
    if not claimed:
        return False
    started = time.perf_counter()
    try:
        payload = slice_payload(build_slice(slice_inputs(researcher_id), caps))
    except Exception as exc:
        this_slice.update(status=SliceStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    this_slice.update(
        status=SliceStatus.READY,
        payload=payload,
        error="",
        # Again: a retry of a slice that looked lost may have cleared it meanwhile, and a
        # ready slice has its timestamps (graph_slice_ready_has_timestamps).
        started_at=started_at,
        computed_at=timezone.now(),
        compute_ms=round((time.perf_counter() - started) * 1000),
    )
    # Older data or payload versions are never served again (the page asks for the current one).
    GraphSlice.objects.filter(
        Q(data_version__lt=data_version)
        | Q(data_version=data_version, payload_version__lt=PAYLOAD_VERSION),
        researcher_id=researcher_id,
    ).delete()
    return True


def graph_slices_precompute(*, researcher_ids: list[int]) -> int:
    """Build the current slice of each researcher now, so nobody waits for it; returns how
    many were computed. Ready slices are left alone (each compute is a compare-and-swap)."""
    versions = dict(
        Researcher.objects.filter(pk__in=researcher_ids).values_list("pk", "data_version")
    )
    GraphSlice.objects.bulk_create(
        [
            GraphSlice(researcher_id=pk, data_version=v, payload_version=PAYLOAD_VERSION)
            for pk, v in versions.items()
        ],
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
