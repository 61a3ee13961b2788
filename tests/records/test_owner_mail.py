"""The owner of a record is mailed when a moderator merges it or undoes the merge: an outbox
row written in the operation's transaction (none when the operation is refused)."""

from __future__ import annotations

import pytest
from django.db import transaction

from claims.models import Claim, ClaimState
from claims.services.mail import SEND_EMAIL_TASK
from profiles.models import OutboxMessage
from records.services.operations import RecordError, operation_undo, records_merge
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", email="mary@example.org")


@pytest.fixture
def pair(owner):
    """Mary Smith's two records; the smaller one is hers."""
    big = ResearcherFactory(display_name="Mary Smith", slug="mary-smith")
    small = ResearcherFactory(display_name="M. Smith", slug="m-smith")
    AuthorshipFactory(researcher=big)
    AuthorshipFactory(researcher=small)
    Claim.objects.create(
        user=owner, researcher=small, state=ClaimState.APPROVED, claimant_name="M. Smith"
    )
    return big, small


def _mails():
    return list(OutboxMessage.objects.filter(task=SEND_EMAIL_TASK).order_by("pk"))


@pytest.mark.parametrize("owned", ["source", "target"])
def test_the_owner_is_mailed_when_a_moderator_merges_their_record(pair, moderator, owned):
    big, small = pair
    source, target = (small, big) if owned == "source" else (big, small)

    operation = records_merge(
        source_id=source.pk, target_id=target.pk, actor=moderator, reason="Same economist"
    )

    [mail] = _mails()
    assert mail.kwargs["to"] == ["mary@example.org"]
    assert mail.kwargs["subject"] == f"[BZPEER] {source.display_name} was merged into " + (
        target.display_name
    )
    body = mail.kwargs["body"]
    assert f"operation #{operation.pk}" in body
    assert "Reason: Same economist" in body
    assert f"/researchers/{target.slug}/history/" in body  # the record the claim is on now
    assert "owner" not in body  # never the username (derived from the address)


def test_the_owner_is_mailed_when_the_merge_is_undone(pair, moderator):
    big, small = pair
    operation = records_merge(source_id=small.pk, target_id=big.pk, actor=moderator)
    OutboxMessage.objects.all().delete()

    operation_undo(operation_id=operation.pk, actor=moderator, reason="Two people after all")

    [mail] = _mails()
    assert mail.kwargs["to"] == ["mary@example.org"]
    assert "was undone" in mail.kwargs["subject"]
    assert "Reason: Two people after all" in mail.kwargs["body"]
    assert "/researchers/m-smith/history/" in mail.kwargs["body"]  # her record again


def test_the_owner_who_undoes_it_themselves_is_not_told(pair, moderator, owner):
    big, small = pair
    operation = records_merge(
        source_id=small.pk, target_id=big.pk, actor=moderator, requested_by=owner
    )
    OutboxMessage.objects.all().delete()

    operation_undo(operation_id=operation.pk, actor=owner)

    assert _mails() == []


def test_no_mail_for_a_refused_merge_or_a_record_without_owner(pair, moderator):
    big, small = pair
    other_owner = UserFactory(email="someone@example.org")
    Claim.objects.create(
        user=other_owner, researcher=big, state=ClaimState.APPROVED, claimant_name="Mary Smith"
    )
    with pytest.raises(RecordError):
        records_merge(source_id=small.pk, target_id=big.pk, actor=moderator)
    assert _mails() == []

    a, b = ResearcherFactory(), ResearcherFactory()
    records_merge(source_id=a.pk, target_id=b.pk, actor=moderator)
    assert _mails() == []


def test_the_mail_is_owed_in_the_merge_transaction(pair, moderator):
    big, small = pair
    with pytest.raises(RuntimeError), transaction.atomic():
        records_merge(source_id=small.pk, target_id=big.pk, actor=moderator)
        raise RuntimeError("the caller's transaction fails after the merge")
    assert _mails() == []
    assert small.__class__.objects.filter(pk=small.pk).exists()
