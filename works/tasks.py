"""Celery tasks of the works app: thin wrappers over services, primitive arguments only."""

from __future__ import annotations

from celery import shared_task

from works.services import corpus_figures_refresh, records_import


# Not acks_late: a large import can outlast the broker's visibility timeout, and a redelivery
# would start a second run of the same file (harmless — re-importing is a no-op — but wasted).
@shared_task(ignore_result=False)
def import_records(*, source: str, paths: list[str]) -> dict[str, object]:
    """Import large files in a worker; the summary is the task's result."""
    return records_import(source=source, paths=list(paths), progress=True).as_dict()


@shared_task(acks_late=True, ignore_result=True)
def refresh_corpus_figures() -> int:
    """Count the corpus for the home page (beat, hourly). Idempotent: it recounts."""
    return corpus_figures_refresh().works
