"""`manage.py check --deploy` under production settings, and the security headers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from scripts.stack import gunicorn_command
from tests.conftest import ROOT
from tests.factories import UserFactory


def test_check_deploy_is_clean_under_production_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_DEBUG="0",
        BZPEER_HTTPS="1",
        DJANGO_ALLOWED_HOSTS="bzpeer.example.org",
        DJANGO_SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_carry_a_csp_without_inline_script(client, seed_researcher):
    response = client.get(reverse("profiles:researcher_detail", args=["jiashi-feng"]))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    # Every script is an external file from our own static files.
    assert "<script>" not in html
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html or "htmx" in html
    # A signed-in viewer's htmx requests carry the CSRF token; an anonymous page has none.
    assert "X-CSRFToken" not in html
    client.force_login(UserFactory(username="reader"))
    signed_in = client.get(reverse("profiles:researcher_detail", args=["jiashi-feng"]))
    assert 'hx-headers=\'{"X-CSRFToken": "' in signed_in.content.decode()


def test_debug_is_off_unless_asked():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    off = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert off.stdout.strip() == "False", off.stderr
    on = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
    )
    assert on.stdout.strip() == "True", on.stderr


def _dockerfile_command() -> list[str]:
    cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    return json.loads(cmd.removeprefix("CMD"))


@pytest.mark.parametrize("origin", ["stack.py", "Dockerfile"])
def test_gunicorn_opens_no_control_socket_shared_between_sites(tmp_path, origin):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    if origin == "stack.py":
        command = gunicorn_command(host="127.0.0.1", port=port, workers="1")
    else:
        command = _dockerfile_command()
        command[0] = str(Path(sys.executable).parent / command[0])
        command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
        command[command.index("--workers") + 1] = "1"
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env["HOME"] = str(tmp_path)  # gunicorn's default socket would be ~/.gunicorn/gunicorn.ctl
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Booting worker" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(1)  # the arbiter opens its control socket right after forking workers
        assert list(tmp_path.rglob("*.ctl")) == []
        assert not (tmp_path / ".gunicorn").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.django_db
def test_the_site_queries_with_the_work_mem_it_sets_not_postgres_default():
    # 4 MB (PostgreSQL's default) makes the search's bitmap of a common word lossy at millions
    # of works; settings ask for more on every connection, on top of DATABASE_URL's options.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == os.environ.get("DATABASE_WORK_MEM", "32MB")


def test_the_web_server_runs_each_query_without_parallel_workers_and_the_worker_may():
    # bzpeer/wsgi.py sets it for the web processes only; Celery's batch work keeps the default.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PARALLEL_WORKERS"}
    show = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW max_parallel_workers_per_gather'); print(c.fetchone()[0])"
    )
    web = subprocess.run(
        [sys.executable, "-c", f"import bzpeer.wsgi; {show}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    worker = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bzpeer.settings"},
        capture_output=True,
        text=True,
    )
    assert web.stdout.split()[-1:] == ["0"], web.stdout + web.stderr
    assert worker.stdout.split()[-1:] != ["0"], worker.stdout + worker.stderr
