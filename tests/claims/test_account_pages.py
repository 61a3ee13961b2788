"""allauth's pages in the site's form layout and wording; mail that names the site; staff
accounts made at the console that can log in at once."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


class Fields(HTMLParser):
    """Labels and the field container each input sits in, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.inputs: list[dict[str, str]] = []  # with the classes of their enclosing div
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            container = next((c for t, c in reversed(self.stack) if t in ("div", "p")), "")
            self.inputs.append({**a, "container": container, "tag": tag})
        if tag not in ("input", "br", "meta", "link"):
            self.stack.append((tag, a.get("class", "")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Fields:
    parser = Fields()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_entrance_pages_use_the_site_form_layout(client, name):
    html = client.get(reverse(name)).content.decode()
    fields = parse(html)
    assert fields.inputs, html
    for field in fields.inputs:
        # Each input in its own field block, with a label pointing at it (not a bare <p>).
        assert "field" in field["container"].split(), field
        assert f'for="{field["id"]}"' in html, field
    assert 'class="button"' in html  # the primary action


def test_the_wording_is_the_sites_not_allauths_title_case(client):
    login = client.get(reverse("account_login")).content.decode()
    assert re.search(r"<h1>\s*Log in\s*</h1>", login)
    assert "Sign In" not in login and "Remember Me" not in login
    signup = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<h1>\s*Sign up\s*</h1>", signup)
    assert "Sign Up" not in signup


def test_a_field_error_sits_beside_its_field(fresh_client):
    name = f"err{uuid.uuid4().hex[:6]}"
    response = fresh_client.post(
        reverse("account_signup"),
        {"email": f"{name}@example.org", "username": name, "password1": "1", "password2": "1"},
    )
    html = response.content.decode()
    block = re.search(r'<div class="field field-invalid">(.*?)</div>', html, re.S)
    assert block, html
    assert 'name="password1"' in block.group(1)
    assert 'aria-invalid="true"' in block.group(1)
    assert 'class="errorlist"' in block.group(1) and "too short" in block.group(1)


def test_verification_mail_says_the_sites_name(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks, settings
):
    settings.BZPEER_SITE_URL = "https://bzpeer.example"
    name = f"mail{uuid.uuid4().hex[:8]}"
    with django_capture_on_commit_callbacks(execute=True):
        fresh_client.post(
            reverse("account_signup"),
            {
                "email": f"{name}@example.org",
                "username": name,
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    body = mail.outbox[-1].body
    assert body.startswith("Hello from BZPEER!"), body
    assert "Hello from testserver" not in body and "127.0.0.1" not in body
    assert body.rstrip().endswith("Thank you for using BZPEER!\nbzpeer.example")


def test_password_reset_mail_says_the_sites_name(
    fresh_client, eager_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory(username=f"reset{uuid.uuid4().hex[:6]}")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        fresh_client.post(reverse("account_reset_password"), {"email": user.email})
    assert mail.outbox[-1].body.startswith("Hello from BZPEER!")
    assert "Hello from testserver" not in mail.outbox[-1].body


def test_a_superuser_made_at_the_console_logs_in_at_once(fresh_client, monkeypatch):
    name = f"boss{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", interactive=False, username=name, email=f"{name}@example.org",
        verbosity=0,
    )  # fmt: skip
    user = get_user_model().objects.get(username=name)
    assert user.is_staff and user.is_superuser
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary and address.email == f"{name}@example.org"
    response = fresh_client.post(reverse("account_login"), {"login": name, "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" not in response.url
    assert fresh_client.session["_auth_user_id"] == str(user.pk)
    # ... and moderates at once.
    assert fresh_client.get(reverse("claims:moderation_queue")).status_code == 200


def test_a_superuser_without_an_address_is_told_why_it_cannot_log_in(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="noaddress", email="")
    assert "no e-mail address" in capsys.readouterr().err
    assert not EmailAddress.objects.filter(user__username="noaddress").exists()
