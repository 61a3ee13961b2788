"""The staff pages of import runs: who may see them, what they show, the live partial."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimState
from tests.factories import ResearcherFactory, UserFactory
from works.models import ImportFile, ImportFileState, ImportRun

pytestmark = pytest.mark.django_db

CAST_EXPECTED = [("anonymous", 302), ("outsider", 404), ("owner", 404), ("moderator", 200)]


@pytest.fixture
def owner(db):
    """A user who owns a record: still not staff."""
    user = UserFactory(username="owner")
    Claim.objects.create(
        user=user, researcher=ResearcherFactory(), state=ClaimState.APPROVED, claimant_name="X"
    )
    return user


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _user(name, request):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.fixture
def run(db) -> ImportRun:
    """A run halfway: one file done, one importing, one waiting, one failed, one unchanged."""
    run = ImportRun.objects.create(source="openalex", paths=["/data/openalex"])
    now = timezone.now()
    earlier = now - timedelta(seconds=100)
    base = "/data/openalex/data/works/updated_date=2025-01-01/part_00"
    done = ImportFile.objects.create(
        run=run, path=f"{base}0.gz", size=1000, mtime_ns=1, state=ImportFileState.DONE,
        worker="host-a:11", attempt=1, started_at=earlier, heartbeat_at=now, finished_at=now,
        bytes_done=1000, read=5000, created=4990, updated=10, failed=2,
        errors=[f"{base}0.gz:17: not a JSON object"],
    )  # fmt: skip
    ImportFile.objects.create(
        run=run, path=f"{base}1.gz", size=2000, mtime_ns=1, state=ImportFileState.RUNNING,
        worker="host-b:22", attempt=2, started_at=earlier, heartbeat_at=now, bytes_done=500,
        read=1500,
    )  # fmt: skip
    ImportFile.objects.create(run=run, path=f"{base}2.gz", size=3000, mtime_ns=1)
    ImportFile.objects.create(
        run=run, path=f"{base}3.gz", size=10, mtime_ns=1, state=ImportFileState.FAILED,
        started_at=earlier, heartbeat_at=now, finished_at=now,
        error="cannot read /data/openalex/…/part_003.gz on host-c:3: Permission denied",
    )  # fmt: skip
    ImportFile.objects.create(
        run=run, path=f"{base}4.gz", size=99, mtime_ns=1, state=ImportFileState.UNCHANGED,
        same_as=done,
    )  # fmt: skip
    return run


@pytest.mark.parametrize(("who", "expected"), CAST_EXPECTED)
def test_it_shows_the_runs_to_staff_only(request, who, expected, run):
    response = _client(_user(who, request)).get(reverse("works:import_runs"))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    if expected == 200:
        page = response.content.decode()
        assert f"#{run.pk}" in page
        assert "5: 1 imported, 1 unchanged, 1 importing, 1 waiting, <strong>1 failed" in page
        assert ">6,500<" in page  # records read


@pytest.mark.parametrize(("who", "expected"), CAST_EXPECTED)
def test_it_shows_a_runs_progress_to_staff_only(request, who, expected, run):
    response = _client(_user(who, request)).get(reverse("works:import_run_detail", args=[run.pk]))
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "Importing" in page
        assert "host-b:22 (attempt 2)" in page
        assert "Permission denied" in page
        assert "not a JSON object" in page
        # Read: done and failed files whole (1,010 B), the running one in part (500 of 2,000 B);
        # the unchanged one is not read at all.
        assert "1.5\xa0KB of 5.9\xa0KB read (25%)" in page
        assert "<dt>records per second</dt><dd>65</dd>" in page  # 6,500 in 100 s
        assert 'hx-trigger="every 2s"' in page


def test_an_unknown_run_is_a_404_even_for_staff(moderator):
    response = _client(moderator).get(reverse("works:import_run_detail", args=[999_999]))
    assert response.status_code == 404


def test_the_poll_returns_only_the_progress_partial(moderator, run):
    response = _client(moderator).get(
        reverse("works:import_run_detail", args=[run.pk]),
        headers={"HX-Request": "true", "HX-Target": "run-progress"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="run-progress"')
    assert "<html" not in page and "All import runs" not in page


def test_the_page_stops_polling_once_the_run_is_over(moderator, run):
    now = timezone.now()
    run.files.filter(state__in=["pending", "running"]).update(
        state=ImportFileState.DONE, started_at=now, heartbeat_at=now, finished_at=now
    )
    page = _client(moderator).get(reverse("works:import_run_detail", args=[run.pk])).content
    assert b"hx-trigger" not in page
    assert b"Finished, 1 file failed" in page


def test_staff_see_the_imports_link_in_the_header(moderator, outsider):
    assert b'href="/imports/"' in _client(moderator).get("/").content
    assert b'href="/imports/"' not in _client(outsider).get("/").content
