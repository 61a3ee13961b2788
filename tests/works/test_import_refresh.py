from __future__ import annotations

import io
from unittest import mock

from django.core.cache import cache

from graph.listeners import PRECOMPUTE_TASK
from profiles.models import OutboxMessage, Researcher, ResearcherRefreshRequest
from profiles.services.refresh import DRAIN_SCHEDULED_KEY
from tests.works.importing import openalex_work, write_jsonl
from works.importers.openalex import openalex_import
from works.importers.report import Progress, TouchedResearchers
from works.tasks import import_records


def run(path, **options):
    return openalex_import(paths=[path], progress=False, error_stream=io.StringIO(), **options)


def test_an_import_bumps_and_enqueues_the_touched_researchers_on_commit(
    db, tmp_path, django_capture_on_commit_callbacks
):
    bystander = Researcher.objects.create(slug="bystander", display_name="Not In The File")
    path = write_jsonl(tmp_path / "w.jsonl", [openalex_work(1), openalex_work(2)])

    with (
        mock.patch("profiles.tasks.drain_refresh_requests.apply_async") as drain,
        mock.patch("profiles.services.outbox._publish_after_commit") as published,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        cache.delete(DRAIN_SCHEDULED_KEY)
        report = run(path)
        assert not drain.called and not published.called  # nothing before the commit

    authors = set(Researcher.objects.filter(openalex_id__isnull=False).values_list("pk", flat=True))
    assert len(authors) == 2 and report.researchers_touched == 2
    assert callbacks, "enqueued on commit, not inside the import's transactions"
    # The refresh is recorded in the import's own transaction; one drain reads it.
    enqueued = set(ResearcherRefreshRequest.objects.values_list("researcher_id", flat=True))
    assert enqueued == authors
    assert drain.call_count == 1
    # The slices' precompute is owed in the outbox, and published after the commit.
    assert set(precompute_owed()) == authors
    assert published.call_count == OutboxMessage.objects.count()
    assert set(
        Researcher.objects.filter(pk__in=authors).values_list("data_version", flat=True)
    ) == {2}
    bystander.refresh_from_db()
    assert bystander.data_version == 1

    ResearcherRefreshRequest.objects.all().delete()
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        run(path)
    assert not OutboxMessage.objects.exists()  # nothing changed, nothing owed
    assert not ResearcherRefreshRequest.objects.exists()


def precompute_owed() -> list[int]:
    rows = OutboxMessage.objects.filter(task=PRECOMPUTE_TASK).values_list("kwargs", flat=True)
    return [i for kwargs in rows for i in kwargs["researcher_ids"]]


def test_an_unreachable_broker_leaves_the_import_in_place_with_a_warning(
    db, tmp_path, django_capture_on_commit_callbacks, unreachable_broker
):
    path = write_jsonl(tmp_path / "w.jsonl", [openalex_work(1)])
    cache.delete(DRAIN_SCHEDULED_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        report = run(path)

    assert report.created == 1
    assert any("not enqueued" in w for w in report.warnings)
    # Nothing lost: the refresh is recorded and the drain flag is free for the next attempt.
    assert ResearcherRefreshRequest.objects.count() == 1
    assert cache.get(DRAIN_SCHEDULED_KEY) is None


def test_progress_is_plain_periodic_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(total_bytes=1000, label="openalex", stream=stream, interval=0)

    progress.update(done_bytes=500, records=50)
    progress.close()

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("openalex: 50 records,")
    assert "50.0% of input" in lines[0] and "ETA" in lines[0]
    assert "\r" not in stream.getvalue()


def test_touched_researchers_remember_each_id_once():
    touched = TouchedResearchers()
    touched.add([5, 900_000, 5, 17])

    assert (len(touched), list(touched)) == (3, [5, 17, 900_000])


def test_the_import_task_runs_the_import_and_returns_the_summary(db, tmp_path):
    path = write_jsonl(tmp_path / "w.jsonl", [openalex_work(1), "not json"])

    # Inside the test's transaction: nothing commits, so nothing is sent to the broker.
    result = import_records.apply(kwargs={"source": "openalex", "paths": [str(path)]}).get()

    assert (result["created"], result["failed"]) == (1, 1)
    assert len(result["errors"]) == 1
    assert result["errors"][0].startswith(f"{path}:2: malformed JSON")


def test_the_summary_counts_each_touched_researcher_once_across_flushes(db):
    from works.importers.refresh import RefreshQueue
    from works.importers.report import ImportReport

    a, b, c = (Researcher.objects.create(slug=f"r{i}", display_name=f"R {i}") for i in range(3))
    report = ImportReport(source="openalex")
    refresh = RefreshQueue(report=report, enqueue=False)

    refresh.add([a.pk, b.pk])
    refresh.flush()
    refresh.add([b.pk, c.pk])
    refresh.flush()

    assert report.researchers_touched == 3
    assert dict(Researcher.objects.values_list("slug", "data_version")) == {
        "r0": 2,
        "r1": 3,
        "r2": 2,
    }
