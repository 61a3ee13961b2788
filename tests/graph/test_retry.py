"""Retry of a slice under abuse: one task per slice, a limit per client, a ready slice whole.

The race tests run on real connections (threads, each its own) and count the messages that
reached the real broker's queue in Redis.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bzpeer.celery import app as celery_app
from graph.compute import graph_slice_compute
from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from graph.services import graph_slice_retry
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


def slice_url(researcher) -> str:
    return reverse("graph:slice", args=[researcher.slug])


def make_researcher():
    me = ResearcherFactory(display_name="Me Myself")
    for i in range(2):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(
            work=work, researcher=ResearcherFactory(display_name=f"Co {i}"), position=1
        )
    return me


def failed_slice(researcher) -> GraphSlice:
    return GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
        status=SliceStatus.FAILED,
        error="boom",
    )


@pytest.fixture
def broker_queue():
    """The test queue in the real Redis, emptied before and after; yields its length reader."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    name = celery_app.conf.task_default_queue
    client.delete(name)
    yield lambda: client.llen(name)
    client.delete(name)


def race(*calls) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as exc:  # collected for the assertion, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_retries_queue_one_task(broker_queue):
    researcher = make_researcher()
    failed_slice(researcher)

    errors = race(*[(lambda: graph_slice_retry(researcher=researcher)) for _ in range(10)])

    assert errors == []
    assert broker_queue() == 1
    assert GraphSlice.objects.get().status == SliceStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_retries_racing_the_worker_leave_a_ready_slice_with_its_timestamps(broker_queue):
    researcher = make_researcher()
    graph_slice = failed_slice(researcher)
    # Pending and started long ago: it looks lost, so a retry may take it while it computes.
    GraphSlice.objects.filter(pk=graph_slice.pk).update(
        status=SliceStatus.PENDING, started_at=timezone.now() - timedelta(hours=2),
        requested_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip
    compute = lambda: graph_slice_compute(  # noqa: E731
        researcher_id=researcher.pk, data_version=researcher.data_version
    )
    retry = lambda: graph_slice_retry(researcher=researcher)  # noqa: E731

    errors = race(compute, retry, retry, compute, retry)

    assert errors == []
    row = GraphSlice.objects.get()
    if row.status == SliceStatus.READY:
        assert row.started_at is not None and row.computed_at is not None


def test_the_database_refuses_a_ready_slice_without_its_timestamps(db):
    researcher = make_researcher()
    graph_slice = failed_slice(researcher)
    with pytest.raises(IntegrityError), transaction.atomic():
        GraphSlice.objects.filter(pk=graph_slice.pk).update(
            status=SliceStatus.READY, payload={"nodes": [], "edges": []}, computed_at=timezone.now()
        )


def test_a_slice_in_time_is_not_requeued_by_retry(db):
    researcher = make_researcher()
    GraphSlice.objects.create(
        researcher=researcher, data_version=researcher.data_version, payload_version=PAYLOAD_VERSION
    )
    before = GraphSlice.objects.get().requested_at
    Client().post(slice_url(researcher), HTTP_HX_REQUEST="true")
    assert GraphSlice.objects.get().requested_at == before


def test_retries_are_limited_per_client_address(db, settings):
    settings.BZPEER_SLICE_RETRY_RATE = "2/m/ip"
    researcher = make_researcher()
    graph_slice = failed_slice(researcher)
    client = Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9")
    for _ in range(2):
        retried = client.post(slice_url(researcher), HTTP_HX_REQUEST="true")
        assert 'data-state="pending"' in retried.content.decode()
        GraphSlice.objects.filter(pk=graph_slice.pk).update(status=SliceStatus.FAILED)

    limited = client.post(slice_url(researcher), HTTP_HX_REQUEST="true")
    assert limited.status_code == 200  # htmx swaps only 2xx: the fragment says why
    assert "Too many retries from your address" in limited.content.decode()
    assert GraphSlice.objects.get().status == SliceStatus.FAILED
    assert client.post(slice_url(researcher)).status_code == 429

    elsewhere = Client(REMOTE_ADDR="192.0.2.200").post(
        slice_url(researcher), HTTP_HX_REQUEST="true"
    )
    assert 'data-state="pending"' in elsewhere.content.decode()
