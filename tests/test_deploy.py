"""`manage.py check --deploy` under production settings, and the security headers."""

from __future__ import annotations

import os
import subprocess
import sys

from django.urls import reverse

from tests.conftest import ROOT


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
    # HTMX requests carry the CSRF token.
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


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
