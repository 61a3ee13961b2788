"""The worker killed mid-task: nothing stays "Building…", every slice is built within a
minute of a worker coming back (a real worker, `kill -9`, on a Redis this test owns)."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from django.test import Client
from django.urls import reverse

from graph.drawing import PAYLOAD_VERSION
from graph.models import GraphSlice, SliceStatus
from graph.tasks import precompute_graph_slices
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker]

PEOPLE = 30


@pytest.fixture
def people(transactional_db):
    """PEOPLE researchers, each with a couple of co-authored works (slices worth building)."""
    researchers = [ResearcherFactory(display_name=f"Person {i}") for i in range(PEOPLE)]
    for i, me in enumerate(researchers):
        for j in (1, 2):
            work = WorkFactory(title=f"Work {i}-{j}")
            AuthorshipFactory(work=work, researcher=me, position=0)
            AuthorshipFactory(work=work, researcher=researchers[(i + j) % PEOPLE], position=1)
    return researchers


def slices(state: str):
    return GraphSlice.objects.filter(payload_version=PAYLOAD_VERSION, status=state)


def kill_mid_task(victim: int) -> tuple[int, int]:
    """kill -9 once the chunk is under way (some slices built, some not); returns the counts."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = slices(SliceStatus.READY).count()
        if 0 < ready < PEOPLE:
            os.kill(victim, signal.SIGKILL)
            return ready, PEOPLE - ready
        time.sleep(0.01)
    pytest.fail("the chunk never got under way")


@pytest.mark.parametrize("victim", ["worker", "pool child"])
def test_a_task_killed_with_its_worker_is_done_within_a_minute(site, people, victim):
    pool = "solo" if victim == "worker" else "prefork"
    worker = site.start_worker(pool=pool)
    target = worker.pid if victim == "worker" else psutil.Process(worker.pid).children()[0].pid
    precompute_graph_slices.apply_async(kwargs={"researcher_ids": [p.pk for p in people]})

    built, unbuilt = kill_mid_task(target)
    if victim == "worker":
        worker.wait(timeout=10)
        # While no worker runs, a slice pending past its deadline offers Retry, not "Building…".
        lost = (
            slices(SliceStatus.PENDING).exclude(started_at=None).first()
            or slices(SliceStatus.PENDING).first()
        )
        assert lost is not None
        GraphSlice.objects.filter(pk=lost.pk).update(
            started_at=None, requested_at=lost.requested_at.replace(year=2000)
        )
        page = Client().get(reverse("graph:slice", args=[lost.researcher.slug]))
        assert page.status_code == 200 and "Retry" in page.content.decode()
        assert 'data-state="pending"' not in page.content.decode()
        site.start_worker()
        site.start_beat()
    # else: the worker's main process notices its dead child and requeues the task itself.

    recovered_in = wait_for(lambda: {"not ready": PEOPLE - slices(SliceStatus.READY).count()})
    print(
        f"faults/worker-crash ({victim} killed): {PEOPLE} slices, {built} built before the kill, "
        f"{unbuilt} recovered in {recovered_in:.1f}s, lost {PEOPLE - slices('ready').count()}"
    )
    assert not slices(SliceStatus.FAILED).exists()
