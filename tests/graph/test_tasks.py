"""The graph task run by a real Celery worker process against real Redis."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory


@pytest.mark.worker
def test_a_real_worker_builds_the_slice(client, celery_worker_process):
    me = ResearcherFactory(slug="worker-me")
    work = WorkFactory()
    AuthorshipFactory(work=work, researcher=me, position=0)
    AuthorshipFactory(work=work, researcher=ResearcherFactory(display_name="Partner"), position=1)

    url = reverse("graph:slice", args=[me.slug])
    assert 'data-state="pending"' in client.get(url).content.decode()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        html = client.get(url).content.decode()
        if 'data-state="ready"' in html:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not build the slice in 30 s")
    assert "Partner" in html
    stored = GraphSlice.objects.get(researcher=me)
    assert stored.status == SliceStatus.READY
    assert stored.compute_ms is not None


def test_precompute_builds_the_current_slices_of_the_given_researchers(db):
    from graph.tasks import precompute_graph_slices

    touched = [ResearcherFactory(), ResearcherFactory()]
    untouched = ResearcherFactory()
    work = WorkFactory()
    for position, r in enumerate([*touched, untouched]):
        AuthorshipFactory(work=work, researcher=r, position=position)
    touched[1].data_version = 4
    touched[1].save()
    GraphSlice.objects.create(
        researcher=touched[1],
        data_version=3,
        payload_version=PAYLOAD_VERSION,
        status=SliceStatus.FAILED,
    )

    assert precompute_graph_slices(researcher_ids=[r.pk for r in touched]) == 2
    ready = GraphSlice.objects.filter(status=SliceStatus.READY)
    assert sorted(ready.values_list("researcher_id", "data_version")) == sorted(
        [(touched[0].pk, 1), (touched[1].pk, 4)]
    )
    assert set(ready.values_list("payload_version", flat=True)) == {PAYLOAD_VERSION}
    assert not GraphSlice.objects.filter(researcher=untouched).exists()
    # An older version is dropped once the new one is ready.
    assert not GraphSlice.objects.filter(researcher=touched[1], data_version=3).exists()
    # Running it again (a redelivered task) changes nothing.
    assert precompute_graph_slices(researcher_ids=[r.pk for r in touched]) == 0
