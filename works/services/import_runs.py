"""Import runs: a snapshot of many files imported by many workers, one task per file.

`import_run_start` records the run and its files in one transaction and owes one task per
file through the outbox (`works.tasks.import_file`), so with Redis down nothing is lost: the
rows are published by the sweeper once the broker is back. A file imported before and unchanged
since (same path, size and modification time, state done) is recorded as unchanged and not
imported again.

`import_file_run` is what a task does with its file. It is idempotent: it first takes the file
with a compare-and-swap (pending → running, or running whose worker stopped beating → running
with the next attempt number); a file done, failed, or being imported by a live worker is left
alone. Every write of a worker names its attempt, so a worker that was taken over cannot change
the row any more. The import itself is the ordinary one (`openalex_import`): per-batch
transactions, upserts keyed on source ids, so a file imported twice (a takeover of a worker that
was only slow) changes nothing the second time.

`import_files_sweep` (beat) puts back to pending, and owes a new task for, every running file
whose heartbeat is older than `BZPEER_IMPORT_STALE_AFTER`: its worker died, or its message was
lost with a killed worker after a redelivery had already been consumed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from profiles.services.outbox import outbox_send_on_commit
from works.importers.openalex import SUFFIXES, openalex_import
from works.importers.openalex_merged import is_merged_ids_file
from works.importers.reading import expand_paths
from works.importers.report import KEPT_ERRORS, ImportReport
from works.models import ImportFile, ImportFileState, ImportRun

logger = logging.getLogger(__name__)

IMPORT_FILE_TASK = "works.tasks.import_file"
SOURCE = "openalex"
# A running file's counts and heartbeat are written at most this often (seconds).
PROGRESS_EVERY = 2.0
# The report's counts a file records, under the same names.
COUNTS = (
    "read", "created", "updated", "skipped", "failed", "fields_dropped", "researchers_touched",
)  # fmt: skip


class ImportRunError(ValueError):
    """The run cannot start: what the command was given holds nothing to import."""


@dataclass(frozen=True)
class StartedRun:
    run: ImportRun
    enqueued: int
    unchanged: int


def import_run_start(*, paths: Sequence[str | Path]) -> StartedRun:
    """Record an OpenAlex import run over `paths` and owe one task per file to import.

    Directories are searched like the importer does (a snapshot's `data/works/updated_date=…/
    part_NNN.gz`; its `manifest` files are not records and are left out). Files done before and
    unchanged since are recorded as unchanged, not imported again.
    """
    resolved = [str(Path(p).resolve()) for p in paths]
    missing = [p for p in resolved if not Path(p).exists()]
    if missing:
        raise ImportRunError(f"no such file or directory: {', '.join(missing)}")
    # Merged author ids first: queued ahead, they are taken first, so the works that name an old
    # id mostly find it (one arriving later is still resolved: see works.importers.
    # openalex_merged — the old record takes the surviving id, or the pair goes to moderators).
    found = sorted(
        expand_paths(resolved, suffixes=SUFFIXES), key=lambda p: not is_merged_ids_file(p)
    )
    if not found:
        raise ImportRunError(
            f"no files to import under {', '.join(resolved)} (looked for {', '.join(SUFFIXES)})"
        )
    with transaction.atomic():
        run = ImportRun.objects.create(source=SOURCE, paths=resolved)
        files = []
        for path in found:
            stat = path.stat()
            files.append(
                ImportFile(run=run, path=str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns)
            )
        earlier = _done_before(files)
        for file in files:
            same_as = earlier.get((file.path, file.size, file.mtime_ns))
            if same_as is not None:
                file.state = ImportFileState.UNCHANGED
                file.same_as_id = same_as
        ImportFile.objects.bulk_create(files)
        # bulk_create keeps the order: ids, and so the outbox's rows, follow `found`.
        to_import = [f for f in files if f.state == ImportFileState.PENDING]
        for file in to_import:
            outbox_send_on_commit(task=IMPORT_FILE_TASK, kwargs={"file_id": file.pk})
    return StartedRun(run=run, enqueued=len(to_import), unchanged=len(files) - len(to_import))


def _done_before(files: list[ImportFile]) -> dict[tuple[str, int, int], int]:
    """(path, size, mtime) → the latest file done with that key, among earlier runs."""
    done = (
        ImportFile.objects.filter(
            state=ImportFileState.DONE,
            run__source=SOURCE,
            path__in=[f.path for f in files],
        )
        .order_by("finished_at")
        .values_list("path", "size", "mtime_ns", "pk")
    )
    return {(path, size, mtime): pk for path, size, mtime, pk in done}


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.BZPEER_IMPORT_STALE_AFTER)


def import_file_claim(*, file_id: int, worker: str) -> ImportFile | None:
    """Take the file for this worker (compare-and-swap); None when there is nothing to do."""
    now = timezone.now()
    taken = (
        ImportFile.objects.filter(pk=file_id)
        .filter(
            Q(state=ImportFileState.PENDING)
            | Q(state=ImportFileState.RUNNING, heartbeat_at__lt=_stale_before())
        )
        .update(
            state=ImportFileState.RUNNING,
            attempt=F("attempt") + 1,
            worker=worker[:200],
            started_at=now,
            heartbeat_at=now,
            bytes_done=0,
            error="",
            # A takeover starts its counts afresh (what this attempt read and wrote).
            **dict.fromkeys(COUNTS, 0),
        )
    )
    if not taken:
        return None
    return ImportFile.objects.select_related("run").get(pk=file_id)


def import_file_run(*, file_id: int, worker: str) -> ImportFile | None:
    """Import one file of a run in this worker; None when it was not this worker's to do."""
    file = import_file_claim(file_id=file_id, worker=worker)
    if file is None:
        return None
    mine = ImportFile.objects.filter(pk=file.pk, attempt=file.attempt)
    path = Path(file.path)
    try:
        stat = path.stat()
    except OSError as exc:
        # Every worker must see the snapshot at the same path (a shared or copied directory).
        _finish(mine, state=ImportFileState.FAILED, error=f"cannot read {path} on {worker}: {exc}")
        return _reload(file)
    # Recorded as imported: a file rewritten since the run started is known by its new key.
    mine.update(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    last_write = 0.0

    def record_progress(report: ImportReport, done_bytes: int) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write < PROGRESS_EVERY:
            return
        last_write = now
        mine.filter(state=ImportFileState.RUNNING).update(
            heartbeat_at=timezone.now(), bytes_done=done_bytes, **_counts(report)
        )

    try:
        report = openalex_import(paths=[path], progress=False, on_progress=record_progress)
    except DatabaseError:
        # PostgreSQL went away (or refused a batch in a way the importer does not isolate): the
        # file stays running, its heartbeat goes stale and the sweeper hands it out again.
        raise
    except Exception as exc:
        # A truncated .gz, a permission, a bug: trying again would fail the same way.
        logger.exception("import of %s failed", path)
        _finish(mine, state=ImportFileState.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return _reload(file)
    errors = [str(e) for e in [*report.errors, *report.drops][:KEPT_ERRORS]]
    _finish(
        mine,
        state=ImportFileState.DONE,
        bytes_done=stat.st_size,
        errors=errors + [f"warning: {w}" for w in report.warnings],
        **_counts(report),
    )
    return _reload(file)


def _counts(report: ImportReport) -> dict[str, int]:
    return {name: getattr(report, name) for name in COUNTS}


def _finish(mine: QuerySet[ImportFile], *, state: str, **values: object) -> None:
    now = timezone.now()
    changed = mine.filter(state=ImportFileState.RUNNING).update(
        state=state, finished_at=now, heartbeat_at=now, **values
    )
    if not changed:
        logger.warning("import file %s was taken over by another worker; result dropped", mine)


def _reload(file: ImportFile) -> ImportFile:
    file.refresh_from_db()
    return file


@dataclass
class ImportSweep:
    enqueued: int = 0  # handed out again
    failed: int = 0  # lost their worker BZPEER_IMPORT_MAX_ATTEMPTS times


def import_files_sweep() -> ImportSweep:
    """Hand every running file whose worker stopped beating to a worker again, or give up on
    it after `BZPEER_IMPORT_MAX_ATTEMPTS` (a file that kills its worker, e.g. out of memory)."""
    sweep = ImportSweep()
    with transaction.atomic():
        stale = list(
            ImportFile.objects.filter(
                state=ImportFileState.RUNNING, heartbeat_at__lt=_stale_before()
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempt")
        )
        limit = settings.BZPEER_IMPORT_MAX_ATTEMPTS
        given_up = [pk for pk, attempt in stale if attempt >= limit]
        again = [pk for pk, attempt in stale if attempt < limit]
        now = timezone.now()
        sweep.failed = ImportFile.objects.filter(pk__in=given_up).update(
            state=ImportFileState.FAILED,
            finished_at=now,
            error=(
                f"its worker stopped answering {limit} times "
                "(killed, out of memory, or its machine went down); see the workers' logs"
            ),
        )
        sweep.enqueued = ImportFile.objects.filter(pk__in=again).update(
            state=ImportFileState.PENDING
        )
        for file_id in again:
            outbox_send_on_commit(task=IMPORT_FILE_TASK, kwargs={"file_id": file_id})
    if stale:
        logger.warning(
            "import files that lost their worker: %s enqueued again, %s given up",
            sweep.enqueued,
            sweep.failed,
        )
    return sweep


def worker_name() -> str:
    """Who imports: the host and process, shown on the run's page."""
    return f"{os.uname().nodename}:{os.getpid()}"
