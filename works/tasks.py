"""Celery tasks of the works app: thin wrappers over services, primitive arguments only."""

from __future__ import annotations

from celery import shared_task

from works.services import corpus_figures_refresh, records_import
from works.services.import_runs import import_file_run, import_files_sweep, worker_name


# Not acks_late: a large import can outlast the broker's visibility timeout, and a redelivery
# would start a second run of the same file (harmless — re-importing is a no-op — but wasted).
@shared_task(ignore_result=False)
def import_records(*, source: str, paths: list[str]) -> dict[str, object]:
    """Import large files in a worker; the summary is the task's result."""
    return records_import(source=source, paths=list(paths), progress=True).as_dict()


# Idempotent (the file is taken by compare-and-swap; done, failed or taken by a live worker, the
# task does nothing), so acks_late: a task killed with its pool child is delivered again. A
# file that takes longer than the broker's visibility timeout is delivered a second time to
# another worker, which finds it running and returns at once.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_file(*, file_id: int) -> str:
    """Import one file of an import run (`import_openalex DIR --background`)."""
    file = import_file_run(file_id=file_id, worker=worker_name())
    return file.state if file is not None else "not mine"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_import_files() -> int:
    """Beat, every few seconds: hand files whose worker died to another worker."""
    return import_files_sweep().enqueued


@shared_task(acks_late=True, ignore_result=True)
def refresh_corpus_figures() -> int:
    """Count the corpus for the home page (beat, hourly). Idempotent: it recounts."""
    return corpus_figures_refresh().works
