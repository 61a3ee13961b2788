"""The research-graph fragment: pending, ready, failed, stale, and the broker down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from graph.models import GraphSlice, SliceStatus
from graph.services import QUEUE_UNREACHABLE, graph_slice_compute
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


@pytest.fixture
def researcher(db):
    me = ResearcherFactory(slug="me", display_name="Me Myself")
    for i in range(3):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(
            work=work, researcher=ResearcherFactory(display_name=f"Co {i}"), position=1
        )
    return me


def slice_url(researcher):
    return reverse("graph:slice", args=[researcher.slug])


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_it_answers_pending_then_ready(client, researcher, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    # Inside the test transaction nothing commits, so nothing is enqueued: no worker runs it.
    first = client.get(slice_url(researcher), HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert 'data-state="pending"' in html
    assert 'hx-trigger="load delay:1s"' in html  # keeps polling
    assert "<html" not in html

    assert graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    ready = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="ready"' in ready
    assert "hx-trigger" not in ready  # polling stops
    assert "Co 0" in ready and "1 shared work" in ready


def test_it_degrades_when_the_broker_is_unreachable(
    transactional_db, client, researcher, unreachable_broker
):
    # Autocommit, as in production: the enqueue runs (and fails) within the request.
    response = client.get(slice_url(researcher), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="failed"' in html
    assert QUEUE_UNREACHABLE in html
    assert "Retry" in html and 'hx-post="/researchers/me/graph-slice/"' in html
    # The page itself does not depend on the broker.
    page = client.get(reverse("profiles:researcher_detail", args=["me"]))
    assert page.status_code == 200
    assert "Building this graph slice…" in page.content.decode()


def test_retry_puts_a_failed_slice_back_in_the_queue(client, researcher):
    GraphSlice.objects.create(
        researcher=researcher,
        data_version=researcher.data_version,
        status=SliceStatus.FAILED,
        error="boom",
    )
    response = client.post(slice_url(researcher), HTTP_HX_REQUEST="true")
    assert 'data-state="pending"' in response.content.decode()
    assert GraphSlice.objects.get().status == SliceStatus.PENDING


def test_retry_needs_the_csrf_token(researcher):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(slice_url(researcher)).status_code == 403


def test_a_slice_nobody_picks_up_is_reported_with_a_retry(client, researcher):
    GraphSlice.objects.create(researcher=researcher, data_version=researcher.data_version)
    GraphSlice.objects.update(requested_at=timezone.now() - timedelta(minutes=5))
    html = client.get(slice_url(researcher), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="failed"' in html
    assert "has not picked this slice up yet" in html


def test_compute_is_idempotent(researcher):
    GraphSlice.objects.create(researcher=researcher, data_version=researcher.data_version)
    assert graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    computed_at = GraphSlice.objects.get().computed_at
    assert not graph_slice_compute(
        researcher_id=researcher.pk, data_version=researcher.data_version
    )
    assert GraphSlice.objects.get().computed_at == computed_at


def test_a_new_data_version_gets_a_new_slice(client, researcher):
    client.get(slice_url(researcher))
    researcher.data_version += 1
    researcher.save()
    client.get(slice_url(researcher))
    assert sorted(GraphSlice.objects.values_list("data_version", flat=True)) == [1, 2]


def test_it_answers_404_for_an_unknown_researcher(client, db):
    assert client.get(reverse("graph:slice", args=["nobody"])).status_code == 404
