"""Record-repair tasks: thin wrappers over services, primitive ids only."""

from __future__ import annotations

from celery import shared_task

from records.services.candidates import candidates_find


@shared_task(acks_late=True)
def find_duplicate_candidates(*, researcher_ids: list[int] | None = None) -> int:
    """Idempotent: candidates are upserted per pair; a dismissed pair stays dismissed."""
    return len(candidates_find(researcher_ids=researcher_ids).candidates or [])
