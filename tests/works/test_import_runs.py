"""Import runs (`import_openalex DIR --background`): one owed task per file, skip what was
imported unchanged, idempotent file tasks, takeover of a dead worker's file, the sweeper."""

from __future__ import annotations

import gzip
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from profiles.models import OutboxMessage
from tests.works.importing import openalex_work, write_jsonl
from works.models import ImportFile, ImportFileState, ImportRun, Work
from works.services.import_runs import (
    IMPORT_FILE_TASK,
    ImportRunError,
    import_file_claim,
    import_file_run,
    import_files_sweep,
    import_run_start,
)

pytestmark = pytest.mark.django_db


def make_snapshot(root: Path, parts: dict[str, list[int]]) -> Path:
    """An OpenAlex snapshot's layout: data/works/updated_date=…/part_NNN.gz and a manifest."""
    works = root / "data" / "works"
    for name, numbers in parts.items():
        write_jsonl(works / name, [openalex_work(n) for n in numbers])
    (works / "manifest").write_text('{"entries": []}')
    return root


@pytest.fixture
def snapshot_dir(tmp_path) -> Path:
    return make_snapshot(
        tmp_path / "openalex",
        {
            "updated_date=2025-01-01/part_000.gz": [1, 2, 3],
            "updated_date=2025-01-01/part_001.gz": [4, 5],
            "updated_date=2025-02-01/part_000.gz": [6],
        },
    )


def owed_files() -> list[int]:
    return sorted(m.kwargs["file_id"] for m in OutboxMessage.objects.filter(task=IMPORT_FILE_TASK))


def import_all(run: ImportRun) -> None:
    for file in run.files.filter(state=ImportFileState.PENDING):
        import_file_run(file_id=file.pk, worker="test:1")


def test_it_records_a_run_with_one_owed_task_per_part_file(snapshot_dir):
    merged = snapshot_dir / "data/merged_ids/authors/2025-01-01.csv.gz"
    merged.parent.mkdir(parents=True)
    merged.write_bytes(gzip.compress(b"merge_date,id,merge_into_id\n2025-01-01,A41,A42\n"))

    started = import_run_start(paths=[snapshot_dir])

    files = list(started.run.files.order_by("pk"))
    assert [Path(f.path).relative_to(snapshot_dir).as_posix() for f in files] == [
        "data/merged_ids/authors/2025-01-01.csv.gz",  # first: works may name a merged id
        "data/works/updated_date=2025-01-01/part_000.gz",
        "data/works/updated_date=2025-01-01/part_001.gz",
        "data/works/updated_date=2025-02-01/part_000.gz",
    ]  # the manifest is not a part file
    assert {f.state for f in files} == {ImportFileState.PENDING}
    assert files[1].size == Path(files[1].path).stat().st_size
    assert (started.enqueued, started.unchanged) == (4, 0)
    owed = OutboxMessage.objects.filter(task=IMPORT_FILE_TASK).order_by("pk")
    assert [m.kwargs["file_id"] for m in owed] == [f.pk for f in files]  # sent in this order
    assert not Work.objects.exists()  # nothing imported by the command itself


def test_it_refuses_paths_with_nothing_to_import(tmp_path):
    (tmp_path / "manifest").write_text("{}")
    with pytest.raises(ImportRunError, match="no files to import"):
        import_run_start(paths=[tmp_path])
    with pytest.raises(ImportRunError, match="no such file or directory"):
        import_run_start(paths=[tmp_path / "missing"])
    assert not ImportRun.objects.exists()


def test_it_imports_a_file_and_records_its_counts(snapshot_dir):
    run = import_run_start(paths=[snapshot_dir]).run
    first = run.files.order_by("path").first()

    done = import_file_run(file_id=first.pk, worker="host-a:42")

    assert done is not None and done.state == ImportFileState.DONE
    assert (done.read, done.created, done.updated, done.failed) == (3, 3, 0, 0)
    assert done.worker == "host-a:42" and done.attempt == 1
    assert done.bytes_done == done.size
    assert done.started_at is not None and done.finished_at is not None
    assert done.started_at <= done.finished_at
    assert done.researchers_touched == 3
    assert Work.objects.count() == 3


def test_a_second_delivery_of_a_file_task_does_nothing(snapshot_dir):
    run = import_run_start(paths=[snapshot_dir]).run
    file = run.files.order_by("path").first()
    import_file_run(file_id=file.pk, worker="host-a:1")

    assert import_file_run(file_id=file.pk, worker="host-b:1") is None
    file.refresh_from_db()
    assert (file.worker, file.attempt, file.read) == ("host-a:1", 1, 3)


def test_a_file_running_on_a_live_worker_is_left_to_it(snapshot_dir):
    run = import_run_start(paths=[snapshot_dir]).run
    file = run.files.order_by("path").first()
    assert import_file_claim(file_id=file.pk, worker="host-a:1") is not None

    # A redelivery (the broker's visibility timeout passed) reaches another worker.
    assert import_file_run(file_id=file.pk, worker="host-b:1") is None
    assert not Work.objects.exists()


def test_a_dead_workers_file_is_taken_over_and_its_late_writes_are_fenced(snapshot_dir, settings):
    run = import_run_start(paths=[snapshot_dir]).run
    file = run.files.order_by("path").first()
    dead = import_file_claim(file_id=file.pk, worker="host-a:1")
    assert dead is not None
    ImportFile.objects.filter(pk=file.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.BZPEER_IMPORT_STALE_AFTER + 1),
        read=2,  # what the dead worker had recorded
    )

    taken = import_file_run(file_id=file.pk, worker="host-b:1")

    assert taken is not None and taken.state == ImportFileState.DONE
    assert (taken.worker, taken.attempt, taken.read, taken.created) == ("host-b:1", 2, 3, 3)
    # The first worker comes back to life: its attempt is no longer the file's.
    late = ImportFile.objects.filter(pk=file.pk, attempt=dead.attempt).update(read=999)
    assert late == 0


def test_a_re_run_skips_files_imported_unchanged(snapshot_dir):
    first_run = import_run_start(paths=[snapshot_dir]).run
    import_all(first_run)
    by_name = {Path(f.path).relative_to(snapshot_dir).as_posix(): f for f in first_run.files.all()}
    # One file rewritten (new size), one touched (same size, new modification time).
    rewritten = snapshot_dir / "data/works/updated_date=2025-01-01/part_001.gz"
    write_jsonl(rewritten, [openalex_work(n) for n in (4, 5, 7)])
    touched = snapshot_dir / "data/works/updated_date=2025-02-01/part_000.gz"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    OutboxMessage.objects.all().delete()

    started = import_run_start(paths=[snapshot_dir])

    states = {
        Path(f.path).relative_to(snapshot_dir).as_posix(): (f.state, f.same_as_id)
        for f in started.run.files.all()
    }
    assert states == {
        "data/works/updated_date=2025-01-01/part_000.gz": (
            ImportFileState.UNCHANGED,
            by_name["data/works/updated_date=2025-01-01/part_000.gz"].pk,
        ),
        "data/works/updated_date=2025-01-01/part_001.gz": (ImportFileState.PENDING, None),
        "data/works/updated_date=2025-02-01/part_000.gz": (ImportFileState.PENDING, None),
    }
    assert (started.enqueued, started.unchanged) == (2, 1)
    assert len(owed_files()) == 2
    import_all(started.run)
    assert Work.objects.count() == 7


def test_a_truncated_file_is_reported_and_its_repaired_copy_imported_next_run(snapshot_dir):
    run = import_run_start(paths=[snapshot_dir]).run
    broken = snapshot_dir / "data/works/updated_date=2025-02-01/part_000.gz"
    good = broken.read_bytes()
    broken.write_bytes(good[: len(good) // 2])  # a download cut short
    import_all(run)
    cut = run.files.get(path=str(broken))
    assert (cut.state, cut.failed) == (ImportFileState.DONE, 1)
    assert "Compressed file ended" in cut.errors[0]

    broken.write_bytes(good)  # downloaded again: a new modification time
    again = import_run_start(paths=[snapshot_dir])
    assert again.enqueued == 1
    assert again.run.files.get(state=ImportFileState.PENDING).path == str(broken)


def test_a_file_gone_before_its_worker_came_says_so(snapshot_dir):
    run = import_run_start(paths=[snapshot_dir]).run
    file = run.files.order_by("path").first()
    Path(file.path).unlink()

    failed = import_file_run(file_id=file.pk, worker="host-c:7")

    assert failed is not None and failed.state == ImportFileState.FAILED
    assert failed.error.startswith(f"cannot read {file.path} on host-c:7")


def test_rejected_records_are_counted_and_kept_on_the_file(tmp_path):
    path = write_jsonl(tmp_path / "part_000.gz", [openalex_work(1), "not json", {"title": "no id"}])
    run = import_run_start(paths=[path]).run

    done = import_file_run(file_id=run.files.get().pk, worker="w:1")

    assert done is not None and done.state == ImportFileState.DONE
    assert (done.read, done.created, done.failed) == (3, 1, 2)
    assert len(done.errors) == 2 and all(str(path) in e for e in done.errors)


def test_the_sweeper_hands_out_a_lost_file_again_then_gives_up(snapshot_dir, settings):
    run = import_run_start(paths=[snapshot_dir]).run
    file = run.files.order_by("path").first()
    stale = timezone.now() - timedelta(seconds=settings.BZPEER_IMPORT_STALE_AFTER + 1)
    import_file_claim(file_id=file.pk, worker="host-a:1")
    OutboxMessage.objects.all().delete()

    assert import_files_sweep().enqueued == 0  # its worker is alive
    ImportFile.objects.filter(pk=file.pk).update(heartbeat_at=stale)
    sweep = import_files_sweep()

    assert (sweep.enqueued, sweep.failed) == (1, 0)
    file.refresh_from_db()
    assert file.state == ImportFileState.PENDING
    assert owed_files() == [file.pk]

    for _ in range(settings.BZPEER_IMPORT_MAX_ATTEMPTS - 1):
        import_file_claim(file_id=file.pk, worker="host-a:1")
        ImportFile.objects.filter(pk=file.pk).update(heartbeat_at=stale)
        import_files_sweep()
    file.refresh_from_db()
    assert file.state == ImportFileState.FAILED
    assert file.attempt == settings.BZPEER_IMPORT_MAX_ATTEMPTS
    assert "stopped answering" in file.error


def test_the_command_records_the_run_and_owes_its_tasks_with_redis_down(
    snapshot_dir, unreachable_broker, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_openalex", str(snapshot_dir), "--background", stdout=out)

    run = ImportRun.objects.get()
    assert f"import run #{run.pk}: 3 file(s) enqueued" in out.getvalue()
    assert f"/imports/{run.pk}/" in out.getvalue()
    owed = OutboxMessage.objects.filter(task=IMPORT_FILE_TASK)
    assert owed.count() == 3
    # Not lost: unsent, the failure recorded, for the sweeper to publish later.
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in owed)


def test_the_command_says_when_there_is_nothing_to_import(tmp_path):
    with pytest.raises(CommandError, match="no files to import"):
        call_command("import_openalex", str(tmp_path), "--background")
