"""The record-repair cast: tasks run in-process (these tests commit; nothing left on a queue)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bzpeer.celery import app as celery_app


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_eager_propagates = False
