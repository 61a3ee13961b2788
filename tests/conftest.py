"""Shared fixtures: the cast of users, the seed profile, a real Celery worker."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import caches
from django.db import DatabaseError, connection

from bzpeer.celery import app as celery_app
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "demo" / "seed-profile.json"


# Tests that start real services, workers or a browser take seconds to a minute each.
SLOW_MARKERS = ("faults", "e2e", "worker", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (the order is otherwise kept). Under pytest-xdist, with the
    Makefile's `--maxschedchunk 1`, each process takes the next test when it is free: started
    first, the long tests spread over the processes and the short ones fill the gaps, instead
    of one process finishing a fault test alone while the others wait."""

    def slow(item: pytest.Item) -> bool:
        fixtures = getattr(item, "fixturenames", ())
        return "celery_worker_process" in fixtures or any(
            item.get_closest_marker(marker) for marker in SLOW_MARKERS
        )

    items.sort(key=lambda item: not slow(item))


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests read static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_process_page_copies() -> Iterator[None]:
    # Each process's own copies of stored profile pages (profiles.page_cache.LOCAL_PAGES)
    # would otherwise outlive the test that stored them.
    caches["profile_pages"].clear()
    yield
    caches["profile_pages"].clear()


@pytest.fixture
def caches_unreachable(settings) -> None:
    """Every Redis-backed cache pointed at a port where nothing listens, through Django's
    plain Redis backend (it raises, unlike our fail-open default); in-process caches stay."""
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    settings.CACHES = {
        alias: config if "LocMemCache" in config["BACKEND"] else unreachable
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", is_staff=True)


@pytest.fixture
def seed_researcher(db):
    from works.importers.seed import seed_profile_import

    return seed_profile_import(path=SEED).researcher


def _database_url() -> str:
    """DATABASE_URL with the test database's name, for processes the tests start."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


# One worker process, one task at a time: what the tests start, with the queue they name.
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "bzpeer", "worker",
    "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
]  # fmt: skip


def start_celery_worker(
    *, queue: str, log_path: Path, pool: str = "solo", queues: str = "", **env_overrides: str
) -> subprocess.Popen:
    """Start a real worker on `queue` against the test database; return once it is ready.
    `queues` (comma-separated) overrides the queues it consumes (default: `queue` only).
    `pool="prefork"` runs one pool child (the fault tests kill it)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # Its connections are named after the queue (libpq reads PGAPPNAME), so what a killed
    # worker leaves behind in PostgreSQL can be found and ended (`worker_backends_end`).
    env.update(DATABASE_URL=_database_url(), CELERY_QUEUE=queue, PGAPPNAME=f"worker-{queue}")
    env.update(env_overrides)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*WORKER_COMMAND, "--pool", pool, "--concurrency", "1", "--queues", queues or queue],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    # Generous: under pytest-xdist on a loaded 2-core machine a worker's imports alone have
    # taken over 30 s. A worker that dies is still caught at once by poll().
    deadline = time.monotonic() + 120
    while "ready." not in log_path.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    return proc


def worker_backends_end(queue: str) -> None:
    """End the database sessions a stopped worker left behind. A worker killed while its
    session waited on a lock leaves that session running (PostgreSQL notices a vanished client
    only when it next writes to it), holding its locks into the next test's flush."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [f"worker-{queue}"],
            )
    except DatabaseError:  # a fault test's database restarted under this connection
        connection.close()


def reset_broker_connections() -> None:
    """Drop pooled broker connections, so a changed broker setting takes effect."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[str]:
    """A real `celery worker` process on its own queue, using the test database."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    log_path = tmp_path / "worker.log"
    proc = start_celery_worker(queue=queue, log_path=log_path)
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = previous_queue
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        worker_backends_end(queue)
        # Shown by pytest when the test failed.
        print(f"--- celery worker log ---\n{log_path.read_text()}")


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in-process (mail lands in Django's locmem outbox)."""
    # Tasks sent by name run in-process only once registered: import every app's tasks, as
    # a worker does at start.
    celery_app.loader.import_default_modules()
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_eager_propagates = False


# A port where nothing listens: connecting fails at once, a real connection error.
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish to the broker at `url` for the block's duration."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    reset_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        reset_broker_connections()


@pytest.fixture
def unreachable_broker() -> Iterator[None]:
    """Point Celery at a port where nothing listens: a real connection failure."""
    with broker_at(UNREACHABLE_REDIS):
        yield
