"""Celery tasks of the graph app: thin wrappers over services, keyword ids only."""

from __future__ import annotations

import scipy.sparse  # noqa: F401 - networkx's PageRank imports it on first use; a worker pays at start
from celery import shared_task

from graph.compute import graph_slice_compute, graph_slices_precompute
from graph.services import graph_slices_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def compute_graph_slice(*, researcher_id: int, data_version: int) -> bool:
    """Idempotent (compare-and-swap on the stored slice), hence acks_late and requeued when
    its worker dies (reject_on_worker_lost)."""
    return graph_slice_compute(researcher_id=researcher_id, data_version=data_version)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def precompute_graph_slices(*, researcher_ids: list[int]) -> int:
    """Build the slices of researchers an import touched, before anyone asks.

    Idempotent: each slice is claimed by compare-and-swap and a ready one is never rebuilt.
    The listener sends chunks of 100 ids, so one task stays short."""
    return graph_slices_precompute(researcher_ids=researcher_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_graph_slices() -> int:
    """Beat, every few seconds: re-enqueue slices lost to a killed worker or a broker outage."""
    return graph_slices_sweep()
