"""The data layer's one entry point, `researchers_changed`, and the refresh queue it feeds."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from graph.models import GraphSlice, SliceStatus
from profiles.models import Researcher, ResearcherRefreshRequest, TrustSnapshot
from profiles.services.derived import refresh_requests_drain
from profiles.services.refresh import (
    DRAIN_SCHEDULED_KEY,
    ChangeReason,
    DrainScheduling,
    researchers_changed,
    researchers_changed_listen,
    researchers_changed_unlisten,
    researchers_request_refresh,
)
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


@pytest.fixture
def heard() -> Iterator[list[tuple[list[int], ChangeReason]]]:
    """What a listener registered for the test hears."""
    calls: list[tuple[list[int], ChangeReason]] = []

    def listener(*, researcher_ids: list[int], reason: ChangeReason) -> None:
        calls.append((researcher_ids, reason))

    researchers_changed_listen("test.heard", listener)
    try:
        yield calls
    finally:
        researchers_changed_unlisten("test.heard")


@pytest.fixture
def no_drain_waiting() -> Iterator[None]:
    cache.delete(DRAIN_SCHEDULED_KEY)
    yield
    cache.delete(DRAIN_SCHEDULED_KEY)


def versions(*researchers: Researcher) -> list[int]:
    return [Researcher.objects.get(pk=r.pk).data_version for r in researchers]


def test_it_bumps_every_version_in_one_update_and_records_the_refresh(db, heard):
    changed = [ResearcherFactory() for _ in range(3)]
    bystander = ResearcherFactory()

    with CaptureQueriesContext(connection) as queries:
        change = researchers_changed(
            researcher_ids=[r.pk for r in changed] + [changed[0].pk, 999_999_999],
            reason=ChangeReason.IMPORT,
        )

    updates = [q["sql"] for q in queries if q["sql"].lstrip().startswith("UPDATE")]
    assert len(updates) == 1 and "data_version = data_version + 1" in updates[0]
    assert change.researcher_ids == sorted(r.pk for r in changed)  # an unknown id is left out
    assert versions(*changed, bystander) == [2, 2, 2, 1]
    assert set(ResearcherRefreshRequest.objects.values_list("researcher_id", flat=True)) == {
        r.pk for r in changed
    }


def test_the_request_is_part_of_the_callers_transaction(db, heard):
    me = ResearcherFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.SEED)
        raise RuntimeError("the caller fails after the call")

    assert versions(me) == [1]
    assert not ResearcherRefreshRequest.objects.exists()


def test_listeners_and_the_drain_wait_for_the_commit(
    db, heard, no_drain_waiting, django_capture_on_commit_callbacks
):
    me = ResearcherFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change = researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.WORK_DETACHED)
    assert heard == [] and change.drain is None
    assert len(callbacks) == 2  # the drain, then the listeners

    for callback in callbacks:
        callback()
    assert heard == [([me.pk], ChangeReason.WORK_DETACHED)]
    assert change.drain == DrainScheduling.SCHEDULED


def test_a_rolled_back_change_tells_no_listener(transactional_db, heard):
    me = ResearcherFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.IMPORT)
        raise RuntimeError

    assert heard == []


def test_a_failing_listener_neither_raises_nor_silences_the_others(transactional_db, heard):
    def broken(*, researcher_ids: list[int], reason: ChangeReason) -> None:
        raise ValueError("a bug in a listener")

    researchers_changed_listen("test.broken", broken)
    me = ResearcherFactory()
    try:
        with transaction.atomic():
            researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.IMPORT)
    finally:
        researchers_changed_unlisten("test.broken")

    assert heard == [([me.pk], ChangeReason.IMPORT)]
    assert versions(me) == [2]


def test_with_the_broker_down_the_change_commits_and_the_work_waits(
    transactional_db, heard, no_drain_waiting, unreachable_broker
):
    me = ResearcherFactory()
    AuthorshipFactory(researcher=me, work=WorkFactory())

    with transaction.atomic():  # the graph app's listener meets the same dead broker
        change = researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.IMPORT)

    assert change.drain == DrainScheduling.UNREACHABLE and change.error
    assert heard == [([me.pk], ChangeReason.IMPORT)]
    assert versions(me) == [2]
    assert cache.get(DRAIN_SCHEDULED_KEY) is None  # the next request tries again
    # The recorded request is the work owed; the next drain does it.
    assert ResearcherRefreshRequest.objects.filter(researcher=me).exists()
    assert refresh_requests_drain() == 1
    assert TrustSnapshot.objects.get(researcher=me).works_count == 1


def test_with_the_cache_down_too_nothing_raises(transactional_db, heard, settings):
    settings.CACHES = {
        alias: {**config, "LOCATION": "redis://127.0.0.1:9/0"}
        for alias, config in settings.CACHES.items()
    }
    me = ResearcherFactory()

    with transaction.atomic():
        change = researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.SEED)
        researchers_request_refresh(researcher_ids=[me.pk])

    assert change.drain == DrainScheduling.UNREACHABLE
    assert ResearcherRefreshRequest.objects.filter(researcher=me).exists()


def test_without_refresh_it_only_bumps(db, heard, django_capture_on_commit_callbacks):
    me = ResearcherFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.IMPORT, refresh=False)
    assert versions(me) == [2]
    assert callbacks == [] and heard == []
    assert not ResearcherRefreshRequest.objects.exists()


def test_a_trust_signal_requests_a_refresh_without_a_new_version(
    db, heard, django_capture_on_commit_callbacks
):
    me = ResearcherFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert researchers_request_refresh(researcher_ids=[me.pk, me.pk]) == 1
        assert researchers_request_refresh(researcher_ids=[me.pk]) == 0  # one row, coalesced
    assert versions(me) == [1]
    assert heard == []
    assert ResearcherRefreshRequest.objects.filter(researcher=me).count() == 1


@pytest.mark.worker
def test_a_real_worker_refreshes_trust_and_builds_the_slice_after_a_change(
    celery_worker_process, settings
):
    settings.BZPEER_TRUST_REFRESH_COUNTDOWN = 0
    cache.delete(DRAIN_SCHEDULED_KEY)
    me = ResearcherFactory(display_name="Changed Researcher")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=me, position=0)
    AuthorshipFactory(work=work, researcher=ResearcherFactory(display_name="Partner"), position=1)

    with transaction.atomic():
        researchers_changed(researcher_ids=[me.pk], reason=ChangeReason.IMPORT)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = GraphSlice.objects.filter(researcher=me, data_version=2, status=SliceStatus.READY)
        if ready.exists() and TrustSnapshot.objects.filter(researcher=me).exists():
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not refresh the researcher within 30 s")
    assert TrustSnapshot.objects.get(researcher=me).works_count == 1
    assert not ResearcherRefreshRequest.objects.exists()


def test_a_request_waiting_past_its_deadline_gets_a_new_drain(db, eager_tasks, settings):
    from datetime import timedelta

    from django.core.cache import caches
    from django.utils import timezone

    from profiles.services.refresh import FLAG_CACHE, refresh_drain_schedule_overdue

    settings.BZPEER_TRUST_REFRESH_COUNTDOWN = 0
    me = ResearcherFactory()
    researchers_request_refresh(researcher_ids=[me.pk])
    assert refresh_drain_schedule_overdue() is None  # not overdue yet

    ResearcherRefreshRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=5))
    # A drain that never came (its message lost with the broker) still holds the flag.
    caches[FLAG_CACHE].set(DRAIN_SCHEDULED_KEY, 1, timeout=60)
    assert refresh_drain_schedule_overdue() == DrainScheduling.SCHEDULED
    assert not ResearcherRefreshRequest.objects.exists()  # drained (in-process)
    assert TrustSnapshot.objects.filter(researcher=me).exists()


def test_a_drain_never_waits_for_a_writer_holding_a_record(transactional_db, no_drain_waiting):
    """A claim decision locks its record, then queues a refresh for it. A drain that took the
    record's request first and then waited for the record deadlocked with it (CI, stop 19: the
    moderator saw a 503). The drain now leaves a record a writer holds for the next drain."""
    import threading

    from django.db import connections

    held, free = ResearcherFactory(), ResearcherFactory()
    ResearcherRefreshRequest.objects.bulk_create(
        [ResearcherRefreshRequest(researcher=r) for r in (held, free)]
    )
    locked, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:  # what claims.services does on approval, in its own connection
        try:
            with transaction.atomic():
                list(Researcher.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(10)
                researchers_request_refresh(researcher_ids=[held.pk])
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting at all fails the test
        try:
            assert refresh_requests_drain() == 1
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert TrustSnapshot.objects.filter(researcher=free).exists()
        assert not TrustSnapshot.objects.filter(researcher=held).exists()
        assert list(ResearcherRefreshRequest.objects.values_list("researcher", flat=True)) == [
            held.pk
        ]
    finally:
        release.set()
        thread.join(10)
    assert not failures, failures
    assert refresh_requests_drain() == 1  # the next drain takes it
    assert TrustSnapshot.objects.filter(researcher=held).exists()
