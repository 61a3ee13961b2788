"""Celery tasks of the profiles app: thin wrappers over services, keyword ids only.

All are idempotent (a redelivered task recomputes the same figures, and a batch already
recorded is skipped), hence `acks_late` and `reject_on_worker_lost`: a worker (or a pool child)
killed mid-task gets its task redelivered.
"""

from __future__ import annotations

from celery import shared_task

from profiles.models import ResearcherRefreshRequest
from profiles.services.derived import refresh_requests_drain
from profiles.services.outbox import outbox_sweep
from profiles.services.refresh import (
    refresh_drain_schedule,
    refresh_drain_schedule_overdue,
    researchers_request_refresh,
)
from profiles.services.trust import trust_run_batch, trust_run_start
from works.topics_derived import derive_topics


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_researchers(*, researcher_ids: list[int]) -> int:
    """Recompute the derived figures (topics, close collaborators, trust) of these researchers.

    Code in this project records its requests in its own transaction
    (`profiles.services.refresh`); this task stays for callers outside it and for messages
    already queued. It only queues the researchers; one drain a few seconds later recomputes
    all that are waiting.
    """
    return researchers_request_refresh(researcher_ids=researcher_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def drain_refresh_requests() -> int:
    """Recompute every researcher waiting for a refresh (set-based, in batches)."""
    return refresh_requests_drain()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute_trust_batch(*, run_id: int, first_id: int, last_id: int) -> bool:
    """One id-range batch of a nightly run; a batch already recorded is skipped."""
    return trust_run_batch(run_id=run_id, first_id=first_id, last_id=last_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute_all_researchers() -> int:
    """The nightly run (beat): derive topics, then one task per batch of researchers.

    Idempotent in effect: a redelivered start opens a second run whose batches recompute the
    same figures (a score that did not change adds nothing to the history).
    """
    derive_topics()
    run, bounds = trust_run_start()
    for bound in bounds:
        recompute_trust_batch.apply_async(
            kwargs={"run_id": run.pk, "first_id": bound.first_id, "last_id": bound.last_id}
        )
    # Requests left queued while the broker was unreachable get their drain now.
    if ResearcherRefreshRequest.objects.exists():
        refresh_drain_schedule()
    return len(bounds)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_outbox() -> int:
    """Beat, every few seconds: publish the follow-up work an outage left owed (outbox rows
    past due), and a drain for refresh requests waiting past their deadline."""
    sweep = outbox_sweep()
    refresh_drain_schedule_overdue()
    return sweep.sent
