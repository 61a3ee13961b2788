"""Accounts through allauth: sign-up with mandatory verification, mail via the task, limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
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


@pytest.mark.parametrize(
    ("url_name", "field"), [("account_login", "login"), ("admin:login", "username")]
)
def test_a_username_longer_than_axes_column_is_a_failed_login_not_a_500(
    fresh_client, url_name, field
):
    response = fresh_client.post(reverse(url_name), {field: "a" * 300, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in fresh_client.session


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, login: str, password: str) -> str:
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    return response.content.decode()


def test_a_stranger_guessing_cannot_lock_the_owner_out(fresh_client):
    owner = UserFactory(username=f"target{uuid.uuid4().hex[:8]}")
    verify_email(owner)
    for login in [owner.username] * 5 + [owner.email]:  # both spellings count together
        log_in(fresh_client, login, "guess")

    at_home = client_at("192.0.2.77")
    log_in(at_home, owner.username, PASSWORD)
    assert at_home.session["_auth_user_id"] == str(owner.pk)

    # The guesser's own address stays limited, the right password included.
    assert "Too many failed log-in attempts" in log_in(fresh_client, owner.email, PASSWORD)
    assert "_auth_user_id" not in fresh_client.session


def test_a_password_reset_lifts_the_account_wide_ceiling(
    settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.BZPEER_LOGIN_FAILED_PER_ACCOUNT = "3/h/key"
    owner = UserFactory(username=f"ceiling{uuid.uuid4().hex[:8]}")
    verify_email(owner)
    for n in range(3):  # a guess each from three addresses: the ceiling is reached
        log_in(client_at(f"198.51.100.{n + 1}"), owner.username, "guess")
    owner_client = client_at("192.0.2.78")
    assert "Too many failed log-in attempts" in log_in(owner_client, owner.username, PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("account_reset_password"), {"email": owner.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link
    form_url = owner_client.get(link.group(1)).url  # allauth moves the key into the session
    new_password = "a brand new passphrase 42"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            form_url, {"password1": new_password, "password2": new_password}
        )
    assert response.status_code == 302
    owner_client.logout()

    log_in(owner_client, owner.username, new_password)
    assert owner_client.session["_auth_user_id"] == str(owner.pk)


def test_a_password_reset_lifts_the_admin_lockout(settings):
    staff = UserFactory(username=f"admin{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True)
    verify_email(staff)
    url = reverse("admin:login")
    client = Client()
    for _ in range(5):
        client.post(url, {"username": staff.username, "password": "wrong"})
    assert client.post(url, {"username": staff.username, "password": PASSWORD}).status_code == 429

    password_reset.send(sender=type(staff), request=None, user=staff)

    response = client.post(url, {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302


def test_sign_up_tells_nobody_which_accounts_exist(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks
):
    existing = UserFactory(username=f"known{uuid.uuid4().hex[:8]}")
    verify_email(existing)
    form = fresh_client.get(reverse("account_signup")).content.decode()
    assert 'name="username"' not in form  # nothing to probe

    def sign_up(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return fresh_client.post(
                reverse("account_signup"),
                {
                    "email": email,
                    "username": existing.username,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                },
            )

    taken = sign_up(existing.email)
    fresh_client.logout()
    new = sign_up(f"fresh{uuid.uuid4().hex[:8]}@example.org")
    assert (
        (taken.status_code, taken.url)
        == (new.status_code, new.url)
        == (302, reverse("account_email_verification_sent"))
    )
    assert "already exists" not in taken.content.decode()
    # The owner of the known address hears of the attempt; the new address gets its link.
    assert mail.outbox[-2].to == [existing.email]
    assert get_user_model().objects.filter(email__iexact=existing.email).count() == 1
