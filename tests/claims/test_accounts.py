"""Accounts through allauth: sign-up with mandatory verification, mail via the task, limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from claims.services.mail import SEND_EMAIL_TASK
from claims.tasks import send_email
from profiles.models import OutboxMessage
from tests.claims.conftest import verify_email
from tests.conftest import ROOT
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_needs_a_verified_email_sent_through_the_mail_task(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks
):
    name = f"new{uuid.uuid4().hex[:8]}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = fresh_client.post(
            reverse("account_signup"),
            {
                "email": f"{name}@example.org",
                "username": name,
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    # Owed in the sign-up's transaction (the outbox), published once it committed.
    assert len(callbacks) == 1
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == [SEND_EMAIL_TASK]
    assert OutboxMessage.objects.get().sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [f"{name}@example.org"]

    # Not verified yet: logging in sends the visitor to "verify your e-mail", not in.
    fresh_client.logout()
    fresh_client.post(reverse("account_login"), {"login": name, "password": PASSWORD})
    assert "_auth_user_id" not in fresh_client.session

    link = confirmation_link(mail.outbox[0])
    assert fresh_client.post(link).status_code == 302
    assert EmailAddress.objects.get(email=f"{name}@example.org").verified
    fresh_client.post(reverse("account_login"), {"login": name, "password": PASSWORD})
    assert "_auth_user_id" in fresh_client.session


def test_an_account_holds_several_addresses_each_verified(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory(username=f"multi{uuid.uuid4().hex[:6]}")
    verify_email(user)
    second = f"{user.username}@uni.example"  # fresh per run: allauth's limits outlast a test
    fresh_client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        fresh_client.post(reverse("account_email"), {"action_add": "", "email": second})
    assert set(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == {
        (user.email, True),
        (second, False),
    }
    assert mail.outbox[-1].to == [second]


def test_password_reset_mail_goes_out(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory(username=f"forgot{uuid.uuid4().hex[:6]}")
    verify_email(user)
    with django_capture_on_commit_callbacks(execute=True):
        fresh_client.post(reverse("account_reset_password"), {"email": user.email})
    assert mail.outbox[-1].to == [user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_repeated_failed_logins_are_limited_in_the_shared_cache(fresh_client):
    user = UserFactory(username=f"limited{uuid.uuid4().hex[:8]}")
    verify_email(user)
    for _ in range(5):
        fresh_client.post(reverse("account_login"), {"login": user.username, "password": "nope"})
    response = fresh_client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD}
    )
    assert "_auth_user_id" not in fresh_client.session
    assert "Too many failed log-in attempts" in response.content.decode()


def test_the_admin_login_locks_out_after_repeated_failures(client):
    staff = UserFactory(username="admin-user", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": staff.username, "password": "wrong"})
    response = client.post(url, {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_still_works_below_the_limit(client):
    staff = UserFactory(username="admin-ok", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    client.post(url, {"username": staff.username, "password": "wrong"})
    response = client.post(url, {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_mail_task_sends_through_the_configured_backend():
    send_email(to=["a@example.org"], subject="Hi", body="Plain", html_body="<p>Rich</p>")
    assert mail.outbox[0].subject == "Hi"
    assert mail.outbox[0].alternatives[0][0] == "<p>Rich</p>"


def _installed(extra_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCID_")}
    env.update(extra_env)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print('orcid' in settings.SOCIALACCOUNT_PROVIDERS, "
        "settings.SOCIALACCOUNT_PROVIDERS.get('orcid', {}).get('BASE_DOMAIN'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["False", "None"]),
        ({"ORCID_CLIENT_ID": "APP-1", "ORCID_SECRET": "s"}, ["True", "orcid.org"]),
        (
            {"ORCID_CLIENT_ID": "APP-1", "ORCID_SECRET": "s", "BZPEER_ORCID_SANDBOX": "1"},
            ["True", "sandbox.orcid.org"],
        ),
    ],
)
def test_orcid_sign_in_is_configured_only_with_credentials(env, expected):
    assert _installed(env) == expected


def test_the_demo_login_page_is_allauths(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'name="login"' in html and "Log in" in html
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize("name", ["account_email", "account_change_password"])
def test_account_pages_link_to_each_other_and_to_claims(fresh_client, name):
    user = UserFactory(username=f"nav{uuid.uuid4().hex[:6]}")
    verify_email(user)
    fresh_client.force_login(user)
    html = fresh_client.get(reverse(name)).content.decode()
    for target in ("account_email", "account_change_password"):
        assert f'href="{reverse(target)}"' in html
    assert reverse("claims:my_claims") in html
    # No ORCID sign-in is configured in the tests: no link to a page that could not connect it.
    assert f'href="{reverse("socialaccount_connections")}"' not in html
