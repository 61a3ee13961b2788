"""The whole claim loop in Chromium: sign up, verify by mail, claim, approve, see it public.

Mail takes the production path: the sign-up request enqueues `claims.tasks.send_email`, a real
Celery worker process sends it through Django's file backend into a temporary directory, and
the test reads the verification link from there.
"""

from __future__ import annotations

import re
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from claims.models import Claim, ClaimState
from tests.conftest import SEED
from tests.factories import UserFactory
from works.importers.seed import seed_profile_import

pytestmark = [pytest.mark.e2e, pytest.mark.worker]

PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def mail_dir(tmp_path, monkeypatch, request) -> Path:
    """A worker whose mail backend writes each message to a file in this directory."""
    monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("DJANGO_EMAIL_FILE_PATH", str(directory))
    request.getfixturevalue("celery_worker_process")  # started with the variables above
    return directory


def wait_for_mail(directory: Path, to: str, subject: str = "", timeout: float = 30) -> str:
    """The plain-text body of the first message to `to` (about `subject`) the worker wrote."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(directory.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = message_from_bytes(raw.lstrip(), policy=policy.default)
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    body = message.get_body(preferencelist=("plain",))
                    assert body is not None
                    return body.get_content()
        time.sleep(0.2)
    seen = [p.read_text(errors="replace")[:400] for p in sorted(directory.glob("*.log"))]
    raise AssertionError(f"no mail to {to} about {subject!r} within {timeout}s; saw {seen}")


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill('input[name="login"]', login)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_sign_up_verify_claim_approve_and_see_it_public(
    transactional_db, live_server, mail_dir, page
):
    seed_profile_import(path=SEED)
    moderator = UserFactory(username="moderator", is_staff=True, password=PASSWORD)
    EmailAddress.objects.create(user=moderator, email=moderator.email, verified=True, primary=True)
    base = live_server.url
    # allauth's limits live in the shared Redis and outlast a test: one fresh address per run.
    name = f"jiashi{uuid.uuid4().hex[:8]}"
    address = f"{name}@example.org"
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Sign up; the account cannot be used before its address is verified.
    page.goto(f"{base}/accounts/signup/")
    page.fill('input[name="email"]', address)
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your e-mail address")).to_be_visible()

    # The worker sent the verification mail; follow its link and confirm.
    body = wait_for_mail(mail_dir, address)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body)
    assert link, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    if page.get_by_role("button", name="Log out").count() == 0:
        log_in(page, base, address)

    # Claim the seed record from its profile.
    page.goto(f"{base}/researchers/jiashi-feng/")
    page.get_by_role("link", name="Claim this record").click()
    page.fill('input[name="claimant_name"]', "Jiashi Feng")
    page.fill('textarea[name="note"]', "My Google Scholar lists these papers.")
    page.get_by_role("button", name="Open the claim").click()
    expect(page.locator(".claim-state")).to_have_text("Pending")
    expect(page.get_by_text("matches “Jiashi Feng”")).to_be_visible()
    claim = Claim.objects.get(user__email=address)
    page.goto(f"{base}/researchers/jiashi-feng/")
    expect(page.get_by_text("Your claim is pending review")).to_be_visible()
    log_out(page)

    # A moderator approves it from the queue.
    log_in(page, base, "moderator")
    page.get_by_role("link", name="Moderation").click()
    page.get_by_role("link", name=f"#{claim.pk}", exact=True).click()
    expect(page.get_by_text("Evidence checklist")).to_be_visible()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text(f"Claim #{claim.pk}: approve done.")).to_be_visible()
    log_out(page)

    # Anyone now sees the record claimed, at L2, without who claimed it.
    page.goto(f"{base}/researchers/jiashi-feng/")
    snapshot = page.locator("#trust-snapshot")
    expect(snapshot).to_contain_text("Claimed")
    expect(snapshot).to_contain_text("Verification L2")
    expect(page.locator("#direct-collaboration")).to_contain_text("unlocked")
    expect(page.locator("body")).not_to_contain_text(name)
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    # The approval mail reached the claimant through the worker too.
    approval = wait_for_mail(mail_dir, address, subject="approved")
    assert "the record is yours" in approval
    assert errors == []


def test_follow_swaps_in_place_and_anonymous_visitors_come_back_after_log_in(
    transactional_db, live_server, page
):
    seed_profile_import(path=SEED)
    name = f"reader{uuid.uuid4().hex[:8]}"
    user = UserFactory(username=name, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    base = live_server.url
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    page.goto(f"{base}/researchers/jiashi-feng/")
    page.locator("#follow-actions").get_by_role("link", name="Follow researcher").click()
    page.fill('input[name="login"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/researchers/jiashi-feng/")

    page.wait_for_load_state("load")
    navigations.clear()
    button = page.locator("#follow-actions button")
    expect(button).to_have_text("Follow researcher 0")
    button.click()
    expect(page.locator("#follow-actions button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#follow-actions .count")).to_have_text("1")
    expect(page.locator("#followers-count")).to_have_text("1")  # the snapshot agrees
    page.locator("#follow-actions button").click()
    expect(page.locator("#follow-actions button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#follow-actions .count")).to_have_text("0")
    expect(page.locator("#followers-count")).to_have_text("0")
    assert navigations == []  # both swaps happened in place
