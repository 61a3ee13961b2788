"""Direct collaboration: an invitation to the owner of a claimed record, by e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from claims.models import CollaborationInvite
from claims.services.errors import ClaimError
from claims.services.invitations import INVITES_PER_SENDER_PER_DAY, invite_send
from tests.claims.conftest import verify_email


def invite_url(record) -> str:
    return reverse("claims:invite_create", args=[record.slug])


def test_anonymous_visitors_are_asked_to_log_in(client, owner, record):
    profile = client.get(reverse("profiles:researcher_detail", args=[record.slug]))
    assert "Log in to send an invitation" in profile.content.decode()
    response = client.post(invite_url(record), {"message": "Hello"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not CollaborationInvite.objects.exists()


def test_an_unclaimed_record_takes_no_invitations(client, record, claimant):
    client.force_login(claimant)
    page = client.get(reverse("profiles:researcher_detail", args=[record.slug])).content
    assert "Claim this author entity first" in page.decode()
    response = client.post(invite_url(record), {"message": "Hello"}, follow=True)
    assert "Invitations open once the record is claimed" in response.content.decode()
    assert not CollaborationInvite.objects.exists()


def test_a_verified_user_invites_the_owner_who_gets_it_by_mail_and_on_their_page(
    owner, record, claimant, eager_tasks, django_capture_on_commit_callbacks
):
    sender = Client(enforce_csrf_checks=True)
    sender.force_login(claimant)
    profile = sender.get(reverse("profiles:researcher_detail", args=[record.slug]))
    assert "Send an invitation" in profile.content.decode()
    assert sender.post(invite_url(record), {"message": "x"}).status_code == 403  # CSRF
    evil = "<script>alert(1)</script> Let us work on engines"
    with django_capture_on_commit_callbacks(execute=True):
        sender.post(
            invite_url(record),
            {"message": evil, "csrfmiddlewaretoken": str(profile.context["csrf_token"])},
        )
    assert mail.outbox[-1].to == [owner.email]
    assert (
        claimant.email in mail.outbox[-1].body and "Let us work on engines" in mail.outbox[-1].body
    )
    owner_client = Client()
    owner_client.force_login(owner)
    page = owner_client.get(reverse("claims:owner_manage", args=[record.slug])).content.decode()
    assert "Let us work on engines" in page and "<script>alert(1)</script>" not in page
    # The sender never sees the owner's address.
    assert (
        owner.email
        not in sender.get(
            reverse("profiles:researcher_detail", args=[record.slug])
        ).content.decode()
    )


def test_the_owner_cannot_invite_themself(owner, record):
    with pytest.raises(ClaimError, match="your own record"):
        invite_send(sender=owner, researcher_id=record.pk, message="Hi me")


def test_an_unverified_account_cannot_invite(owner, record, outsider):
    with pytest.raises(ClaimError, match="Verify"):
        invite_send(sender=outsider, researcher_id=record.pk, message="Hi")


def test_a_sender_is_limited_per_day(owner, record, outsider):
    verify_email(outsider)
    for i in range(INVITES_PER_SENDER_PER_DAY):
        invite_send(sender=outsider, researcher_id=record.pk, message=f"Hi {i}")
    with pytest.raises(ClaimError, match="most invitations"):
        invite_send(sender=outsider, researcher_id=record.pk, message="One more")
    assert CollaborationInvite.objects.count() == INVITES_PER_SENDER_PER_DAY


def test_invitations_are_post_only(client, owner, record, claimant):
    client.force_login(claimant)
    assert client.get(invite_url(record)).status_code == 405
