"""Celery tasks of the profiles app: thin wrappers over services, keyword ids only."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def refresh_researchers(*, researcher_ids: list[int]) -> None:
    """Recompute the derived figures (topics, close collaborators, trust) of these researchers.

    The entry point importers call for the researchers an import touched (issue 5 fills it in).
    """
