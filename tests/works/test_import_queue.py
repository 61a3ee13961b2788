"""Import tasks travel on a queue of their own (`<queue>-import`), so a long import never
holds up the short tasks (slice builds, refresh drains) waiting on the default queue."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.management import call_command

from bzpeer.celery import app as celery_app
from bzpeer.celery import import_queue
from profiles.services.outbox import outbox_send_on_commit
from scripts.stack import worker_commands
from tests.works.importing import openalex_work, write_jsonl


@pytest.fixture
def own_queue() -> Iterator[tuple[str, redis.Redis]]:
    queue = f"test-{uuid.uuid4().hex[:10]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        yield queue, client
    finally:
        celery_app.conf.task_default_queue = previous
        client.delete(queue, import_queue(queue))


def task_names(client: redis.Redis, queue: str) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1)]


def test_it_sends_an_import_runs_file_tasks_to_the_import_queue_and_the_rest_to_the_default(
    db, own_queue, tmp_path, django_capture_on_commit_callbacks
):
    queue, client = own_queue
    for part in range(2):
        write_jsonl(
            tmp_path / f"data/works/updated_date=2025-01-01/part_00{part}.gz",
            [openalex_work(part * 10 + 1)],
        )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_openalex", str(tmp_path), "--background", stdout=io.StringIO())
        outbox_send_on_commit(task="graph.tasks.sweep_graph_slices", kwargs={})

    assert task_names(client, import_queue(queue)) == ["works.tasks.import_file"] * 2
    assert task_names(client, queue) == ["graph.tasks.sweep_graph_slices"]


def test_it_routes_a_single_background_import_to_the_import_queue():
    route = celery_app.amqp.router.route({}, "works.tasks.import_records", args=(), kwargs={})
    assert route["queue"].name == import_queue(celery_app.conf.task_default_queue)
    route = celery_app.amqp.router.route({}, "graph.tasks.compute_graph_slice", args=(), kwargs={})
    assert route["queue"].name == celery_app.conf.task_default_queue


def test_it_runs_a_worker_for_the_import_queue_beside_the_sites_worker():
    commands = worker_commands({"CELERY_QUEUE": "demo"}, celery="celery")

    consumed = [c[c.index("--queues") + 1] for c in commands.values()]
    assert sorted(consumed) == ["demo", "demo-import"]
