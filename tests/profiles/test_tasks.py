"""Trust recomputation by the workers: coalesced refreshes, the nightly run, redelivery."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from bzpeer.celery import app as celery_app
from profiles import tasks
from profiles.models import (
    Follow,
    ResearcherRefreshRequest,
    TrustRecomputeBatch,
    TrustRecomputeRun,
    TrustSnapshot,
)
from profiles.selectors import researcher_profile_queryset
from profiles.services.derived import refresh_requests_drain
from profiles.services.refresh import DRAIN_SCHEDULED_KEY
from profiles.services.trust import TRUST_LOCK_KEY, trust_run_batch, trust_run_start
from profiles.trust import TrustInputs, trust_score
from tests.conftest import _database_url, reset_broker_connections, start_celery_worker
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.topics_derived import UNASSIGNED_KEY


def small_corpus(researchers: int) -> list[int]:
    """Researchers with different numbers of works, co-authors, topics and followers."""
    people = [ResearcherFactory() for _ in range(researchers)]
    topics = [TopicFactory() for _ in range(5)]
    users = [UserFactory() for _ in range(4)]
    for i, person in enumerate(people):
        partner = people[(i + 1) % researchers]
        for j in range(i % 7 + 1):
            work = WorkFactory(publication_year=2000 + j)
            AuthorshipFactory(work=work, researcher=person, position=0)
            if j < 4 and partner != person:
                AuthorshipFactory(work=work, researcher=partner, position=1)
            WorkTopicFactory(work=work, topic=topics[(i + j) % 5])
        for user in users[: i % 5]:
            Follow.objects.create(user=user, researcher=person)
    return [p.pk for p in people]


def expected_scores(ids: list[int]) -> dict[int, int]:
    """The pure formula over the page's own live counts (an independent path from the SQL)."""
    out = {}
    for r in researcher_profile_queryset().filter(pk__in=ids):
        inputs = TrustInputs(
            verification_level=r.verification_level,
            claim_status=r.claim_status,
            works=r.works_count,
            followers=r.followers_count,
            topics=r.topics_count,
            close_collaborators=r.close_collaborators_count,
            has_orcid=bool(r.orcid),
            has_affiliation=r.affiliation_id is not None,
        )
        out[r.pk] = trust_score(inputs).score
    return out


@pytest.fixture
def counted_drains(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(
        tasks.drain_refresh_requests, "apply_async", lambda *args, **kw: calls.append(kw)
    )
    cache.delete(DRAIN_SCHEDULED_KEY)
    yield calls
    cache.delete(DRAIN_SCHEDULED_KEY)


def test_a_burst_of_100_refresh_requests_is_one_drain_and_one_computation(
    db, counted_drains, django_capture_on_commit_callbacks
):
    (me,) = small_corpus(1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(100):
            tasks.refresh_researchers(researcher_ids=[me])
    assert len(callbacks) == 100  # every request asks, after commit...
    assert len(counted_drains) == 1  # ...but one drain is scheduled
    assert counted_drains[0]["countdown"] == settings.BZPEER_TRUST_REFRESH_COUNTDOWN
    assert ResearcherRefreshRequest.objects.count() == 1
    assert refresh_requests_drain() == 1
    assert ResearcherRefreshRequest.objects.count() == 0
    assert TrustSnapshot.objects.get(researcher_id=me).score == expected_scores([me])[me]


def test_a_request_after_the_drain_started_schedules_the_next_one(
    db, counted_drains, django_capture_on_commit_callbacks
):
    first, second = small_corpus(2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_researchers(researcher_ids=[first])
    refresh_requests_drain()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_researchers(researcher_ids=[second])
    assert len(counted_drains) == 2
    assert refresh_requests_drain() == 1
    assert TrustSnapshot.objects.count() == 2


def test_nothing_is_scheduled_before_the_callers_transaction_commits(
    db, counted_drains, django_capture_on_commit_callbacks
):
    (me,) = small_corpus(1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.refresh_researchers(researcher_ids=[me])
    assert counted_drains == [] and len(callbacks) == 1


def test_the_drain_derives_topics_for_works_that_have_none(db, seed_researcher, counted_drains):
    cache.delete(UNASSIGNED_KEY)
    tasks.refresh_researchers(researcher_ids=[seed_researcher.pk])
    refresh_requests_drain()
    snapshot = TrustSnapshot.objects.get(researcher=seed_researcher)
    assert snapshot.works_count == 47
    assert snapshot.topics_count >= 2


@pytest.fixture
def eager_celery() -> Iterator[None]:
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


def test_the_nightly_run_recomputes_everyone_in_batches_each_counted_once(
    db, settings, eager_celery
):
    settings.BZPEER_TRUST_BATCH_SIZE = 4
    ids = small_corpus(10)
    assert tasks.recompute_all_researchers() == 3
    run = TrustRecomputeRun.objects.get()
    assert run.finished_at is not None and run.batches_total == 3
    assert sorted(TrustRecomputeBatch.objects.values_list("researchers", flat=True)) == [2, 4, 4]
    expected = expected_scores(ids)
    assert dict(TrustSnapshot.objects.values_list("researcher_id", "score")) == expected
    batch = TrustRecomputeBatch.objects.order_by("first_id").first()
    assert batch is not None
    assert not trust_run_batch(run_id=run.pk, first_id=batch.first_id, last_id=batch.last_id)
    assert TrustRecomputeBatch.objects.count() == 3


# Loading the task modules runs Django's model checks, which ask PostgreSQL for its version.
@pytest.mark.django_db
def test_the_nightly_run_is_on_the_beat_schedule():
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "profiles.tasks.recompute_all_researchers" in entries
    celery_app.loader.import_default_modules()
    assert "profiles.tasks.recompute_all_researchers" in celery_app.tasks
    for name in ["refresh_researchers", "drain_refresh_requests", "recompute_trust_batch"]:
        assert getattr(tasks, name).acks_late


# A real worker killed in the middle of a batch.

VISIBILITY_TIMEOUT = 2


@contextmanager
def broker_key_space(prefix: str) -> Iterator[None]:
    """This process publishes into the same isolated key space as the test's workers."""
    previous = dict(celery_app.conf.broker_transport_options)
    celery_app.conf.broker_transport_options = {**previous, "global_keyprefix": prefix}
    reset_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.broker_transport_options = previous
        reset_broker_connections()


def start_worker(queue: str, prefix: str, log_path: Path) -> subprocess.Popen:
    return start_celery_worker(
        queue=queue,
        log_path=log_path,
        BZPEER_BROKER_KEY_PREFIX=prefix,
        BZPEER_BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        BZPEER_BROKER_RESTORE_INTERVAL="1",
    )


def wait_for(condition, what: str, *, timeout: float = 60, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def waiting_on_the_trust_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND wait_event = 'advisory'
            """
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def test_a_batch_killed_mid_way_is_redelivered_and_counted_once(transactional_db, tmp_path):
    ids = small_corpus(12)
    run, bounds = trust_run_start(batch_size=5)
    assert len(bounds) == 3
    queue, prefix = f"test-{uuid.uuid4().hex[:10]}", f"i5kill-{uuid.uuid4().hex[:8]}:"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    workers: list[subprocess.Popen] = []
    # Holding the recompute lock stops the first batch after it has begun (its ledger row is
    # written, its snapshots not yet): the moment to kill the worker.
    blocker = psycopg.connect(_database_url(), autocommit=True)
    try:
        blocker.execute("SELECT pg_advisory_lock(%s)", [TRUST_LOCK_KEY])
        with broker_key_space(prefix):
            workers.append(start_worker(queue, prefix, first_log))
            sent = [
                tasks.recompute_trust_batch.apply_async(
                    kwargs={"run_id": run.pk, "first_id": b.first_id, "last_id": b.last_id},
                    queue=queue,
                )
                for b in bounds
            ]
            wait_for(lambda: waiting_on_the_trust_lock() == 1, "the batch to start")
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            blocker.execute("SELECT pg_advisory_unlock(%s)", [TRUST_LOCK_KEY])
            assert not TrustRecomputeBatch.objects.exists()  # the killed batch left nothing

            workers.append(start_worker(queue, prefix, second_log))
            wait_for(
                lambda: TrustRecomputeRun.objects.filter(
                    pk=run.pk, finished_at__isnull=False
                ).exists(),
                "the run to finish",
            )
    finally:
        blocker.close()
        for proc in workers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        print(first_log.read_text(), second_log.read_text())

    killed = sent[0].id
    assert killed in first_log.read_text()  # received by the first worker…
    assert f"{killed}] succeeded" in second_log.read_text()  # …and finished by the second
    batches = list(TrustRecomputeBatch.objects.filter(run=run).order_by("first_id"))
    assert [b.first_id for b in batches] == [b.first_id for b in bounds]  # each exactly once
    assert sum(b.researchers for b in batches) == len(ids)
    assert dict(TrustSnapshot.objects.values_list("researcher_id", "score")) == expected_scores(ids)
    assert all(h == [] for h in TrustSnapshot.objects.values_list("history", flat=True))
