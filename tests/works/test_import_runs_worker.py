"""An import run carried out by real Celery workers: several part files, two workers."""

from __future__ import annotations

import io
import subprocess
import time
import uuid

import pytest
from django.core.management import call_command

from bzpeer.celery import app as celery_app
from bzpeer.celery import import_queue
from tests.conftest import start_celery_worker, worker_backends_end
from tests.works.importing import openalex_work, write_jsonl
from works.models import ImportFileState, ImportRun, Work

PARTS = 6
WORKS_PER_PART = 300


@pytest.fixture
def two_workers(transactional_db, tmp_path):
    """Two worker processes on queues of their own, as two machines would be: each consumes
    the import queue (the file tasks) and the default queue (what an import owes)."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    procs = [
        start_celery_worker(
            queue=queue,
            queues=f"{queue},{import_queue(queue)}",
            log_path=tmp_path / f"worker-{i}.log",
        )
        for i in range(2)
    ]
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = previous
        for proc in procs:
            proc.terminate()
        for i, proc in enumerate(procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            print(f"--- worker {i} log ---\n{(tmp_path / f'worker-{i}.log').read_text()}")
        worker_backends_end(queue)


def wait_for_run(run: ImportRun, *, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while run.files.filter(state__in=[ImportFileState.PENDING, ImportFileState.RUNNING]).exists():
        assert time.monotonic() < deadline, list(run.files.values("path", "state", "error"))
        time.sleep(0.5)


def test_workers_import_every_part_file_of_a_snapshot_and_a_re_run_skips_them(
    two_workers, tmp_path
):
    root = tmp_path / "openalex"
    for part in range(PARTS):
        first = part * WORKS_PER_PART + 1
        write_jsonl(
            root / f"data/works/updated_date=2025-0{part % 3 + 1}-01/part_{part:03d}.gz",
            [openalex_work(n) for n in range(first, first + WORKS_PER_PART)],
        )
    (root / "data/works/manifest").write_text('{"entries": []}')

    out = io.StringIO()
    call_command("import_openalex", str(root), "--background", stdout=out)
    run = ImportRun.objects.get()
    assert f"{PARTS} file(s) enqueued" in out.getvalue()
    wait_for_run(run)

    files = list(run.files.all())
    assert [f.state for f in files] == [ImportFileState.DONE] * PARTS, [f.error for f in files]
    assert sum(f.created for f in files) == PARTS * WORKS_PER_PART
    assert Work.objects.count() == PARTS * WORKS_PER_PART
    # The files spread over both workers (each takes one task at a time).
    assert len({f.worker for f in files}) == 2, [f.worker for f in files]

    call_command("import_openalex", str(root), "--background", stdout=out)
    again = ImportRun.objects.latest("pk")
    assert set(again.files.values_list("state", flat=True)) == {ImportFileState.UNCHANGED}
    assert "0 file(s) enqueued" in out.getvalue()
