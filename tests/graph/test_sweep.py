"""The slice sweeper (beat): slices lost to a killed worker or a broker outage come back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from graph.services import QUEUE_UNREACHABLE, graph_slice_is_stale, graph_slices_sweep
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory

LONG_AGO = timedelta(minutes=5)


@pytest.fixture
def author(db):
    me = ResearcherFactory(display_name="Swept Author")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=me, position=0)
    AuthorshipFactory(work=work, researcher=ResearcherFactory(), position=1)
    return me


def a_slice(researcher, **fields) -> GraphSlice:
    requested_at = fields.pop("requested_at", None)
    graph_slice = GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        payload_version=PAYLOAD_VERSION,
        **fields,
    )
    if requested_at:  # auto_now_add: set afterwards
        GraphSlice.objects.filter(pk=graph_slice.pk).update(requested_at=requested_at)
        graph_slice.refresh_from_db()
    return graph_slice


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"requested_at": timezone.now() - LONG_AGO}, id="queued, message lost"),
        pytest.param(
            {"requested_at": timezone.now() - LONG_AGO, "started_at": timezone.now() - LONG_AGO},
            id="started, worker killed",
        ),
        pytest.param(
            {"status": SliceStatus.FAILED, "error": QUEUE_UNREACHABLE}, id="failed in an outage"
        ),
    ],
)
def test_a_lost_slice_is_built_by_the_sweeper(author, eager_tasks, fields):
    lost = a_slice(author, **fields)
    assert graph_slices_sweep() == 1
    lost.refresh_from_db()
    assert lost.status == SliceStatus.READY and lost.payload


def test_the_sweeper_leaves_healthy_and_genuinely_failed_slices_alone(author, eager_tasks):
    waiting = a_slice(author)  # queued just now: its worker has it
    other = ResearcherFactory()
    broken = a_slice(other, status=SliceStatus.FAILED, error="ValueError: bad data")
    assert graph_slices_sweep() == 0
    waiting.refresh_from_db()
    broken.refresh_from_db()
    assert waiting.status == SliceStatus.PENDING
    assert broken.status == SliceStatus.FAILED


def test_a_slice_of_an_older_data_version_is_not_swept(author, eager_tasks):
    a_slice(author, requested_at=timezone.now() - LONG_AGO)
    type(author).objects.filter(pk=author.pk).update(data_version=2)
    assert graph_slices_sweep() == 0


def test_with_the_broker_still_down_the_slice_stays_failed_with_its_reason(
    author, unreachable_broker
):
    lost = a_slice(author, requested_at=timezone.now() - LONG_AGO)
    assert graph_slices_sweep() == 0
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (SliceStatus.FAILED, QUEUE_UNREACHABLE)


def test_a_slice_pending_past_its_deadline_offers_retry(author):
    assert not graph_slice_is_stale(a_slice(author))
    started_long_ago = a_slice(
        ResearcherFactory(),
        requested_at=timezone.now() - LONG_AGO,
        started_at=timezone.now() - LONG_AGO,
    )
    assert graph_slice_is_stale(started_long_ago)
