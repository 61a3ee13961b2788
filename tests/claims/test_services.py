"""Claim transitions: what they do to the record, the audit trail, the mail and the constraints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Claim, ClaimEvent, ClaimState, FlagState
from claims.services.claims import (
    claim_approve,
    claim_open,
    claim_reject,
    claim_revoke,
    claim_withdraw,
    claims_bulk_decide,
)
from claims.services.errors import ClaimError
from claims.services.flags import work_flag_accept, work_flag_dismiss, work_flag_raise
from claims.services.owner import researcher_owner_update
from profiles.models import ClaimStatus, Researcher, ResearcherRefreshRequest, VerificationLevel
from profiles.services.refresh import refresh_drain_schedule
from tests.claims.conftest import verify_email
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    UserFactory,
)
from works.models import Authorship, Work


def reload(researcher: Researcher) -> Researcher:
    return Researcher.objects.get(pk=researcher.pk)


def test_it_marks_the_record_pending_when_a_claim_opens(pending_claim, record):
    assert pending_claim.state == ClaimState.PENDING
    assert reload(record).claim_status == ClaimStatus.PENDING
    assert reload(record).verification_level == VerificationLevel.L0  # untouched by opening


def test_it_refuses_a_claim_without_a_verified_email(record):
    user = UserFactory(username="unverified")
    with pytest.raises(ClaimError, match="Verify an e-mail"):
        claim_open(user=user, researcher_id=record.pk, claimant_name="Ada Lovelace")
    assert not Claim.objects.exists()


def test_it_refuses_a_second_pending_claim_by_the_same_user(pending_claim, claimant, record):
    with pytest.raises(ClaimError, match="already have a pending claim"):
        claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")
    assert Claim.objects.count() == 1


def test_the_database_refuses_two_pending_claims_even_past_the_service(
    pending_claim, claimant, record
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(user=claimant, researcher=record, claimant_name="x")


def test_the_database_refuses_two_owners_of_one_record(owner, record, claimant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            user=claimant, researcher=record, claimant_name="x", state=ClaimState.APPROVED
        )


@pytest.mark.parametrize(
    ("openalex_id", "expected_after"),
    [("A123", VerificationLevel.L1), (None, VerificationLevel.L0)],
)
def test_approval_makes_it_l2_and_revocation_restores_the_level(
    claimant, moderator, openalex_id, expected_after
):
    record = ResearcherFactory(openalex_id=openalex_id)
    claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="J. Feng")
    claim_approve(claim_id=claim.pk, moderator=moderator)
    assert reload(record).claim_status == ClaimStatus.CLAIMED
    assert reload(record).verification_level == VerificationLevel.L2

    claim_revoke(claim_id=claim.pk, moderator=moderator, reason="Disputed")
    assert reload(record).claim_status == ClaimStatus.UNCLAIMED
    assert reload(record).verification_level == expected_after


def test_an_orcid_authenticated_by_sign_in_matching_the_record_makes_it_l3(claimant, moderator):
    record = ResearcherFactory(orcid="0000-0002-1825-0097")
    SocialAccount.objects.create(user=claimant, provider="orcid", uid="0000-0002-1825-0097")
    claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Jiashi Feng")
    claim = claim_approve(claim_id=claim.pk, moderator=moderator)
    assert claim.strong_evidence
    assert reload(record).verification_level == VerificationLevel.L3


def test_a_verified_email_on_the_institution_domain_makes_it_l3(claimant, moderator):
    uni = InstitutionFactory(domains=["nus.edu.sg"])
    record = ResearcherFactory(affiliation=uni, openalex_id="A9")
    verify_email(claimant, "jf@comp.nus.edu.sg")
    claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Jiashi Feng")
    claim_approve(claim_id=claim.pk, moderator=moderator)
    assert reload(record).verification_level == VerificationLevel.L3


def test_an_unverified_email_on_the_domain_is_not_strong_evidence(claimant, moderator):
    from allauth.account.models import EmailAddress

    uni = InstitutionFactory(domains=["nus.edu.sg"])
    record = ResearcherFactory(affiliation=uni, openalex_id="A9")
    EmailAddress.objects.create(user=claimant, email="jf@nus.edu.sg", verified=False)
    claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Jiashi Feng")
    claim_approve(claim_id=claim.pk, moderator=moderator)
    assert reload(record).verification_level == VerificationLevel.L2


def test_rejection_needs_a_reason_and_puts_the_record_back(pending_claim, record, moderator):
    with pytest.raises(ClaimError, match="needs a reason"):
        claim_reject(claim_id=pending_claim.pk, moderator=moderator, reason=" ")
    claim = claim_reject(claim_id=pending_claim.pk, moderator=moderator, reason="Not you")
    assert claim.state == ClaimState.REJECTED and claim.reason == "Not you"
    assert reload(record).claim_status == ClaimStatus.UNCLAIMED


def test_a_record_stays_pending_while_another_claim_waits(
    pending_claim, record, moderator, outsider
):
    verify_email(outsider)
    claim_open(user=outsider, researcher_id=record.pk, claimant_name="Ada Lovelace")
    claim_reject(claim_id=pending_claim.pk, moderator=moderator, reason="Not you")
    assert reload(record).claim_status == ClaimStatus.PENDING


def test_the_claimant_can_withdraw_but_nobody_else(pending_claim, outsider, claimant, record):
    with pytest.raises(ClaimError):
        claim_withdraw(claim_id=pending_claim.pk, user=outsider)
    claim_withdraw(claim_id=pending_claim.pk, user=claimant)
    assert Claim.objects.get().state == ClaimState.WITHDRAWN
    assert reload(record).claim_status == ClaimStatus.UNCLAIMED


def test_a_second_approval_of_the_same_claim_is_refused(pending_claim, moderator, record):
    claim_approve(claim_id=pending_claim.pk, moderator=moderator)
    with pytest.raises(ClaimError, match="approved"):
        claim_approve(claim_id=pending_claim.pk, moderator=moderator)
    assert Claim.objects.filter(state=ClaimState.APPROVED).count() == 1
    assert ClaimEvent.objects.filter(to_state=ClaimState.APPROVED).count() == 1


def test_a_competing_claim_cannot_be_approved_after_an_owner_exists(
    pending_claim, moderator, outsider, record
):
    verify_email(outsider)
    other = claim_open(user=outsider, researcher_id=record.pk, claimant_name="Ada Lovelace")
    claim_approve(claim_id=pending_claim.pk, moderator=moderator)
    with pytest.raises(ClaimError, match="already approved"):
        claim_approve(claim_id=other.pk, moderator=moderator)
    assert Claim.objects.get(pk=other.pk).state == ClaimState.PENDING


def test_a_claimed_record_cannot_be_claimed_again(owner, record, claimant):
    with pytest.raises(ClaimError, match="already has an owner"):
        claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")


def test_withdrawn_and_rejected_claims_are_final(pending_claim, moderator, claimant):
    claim_withdraw(claim_id=pending_claim.pk, user=claimant)
    for decide in (claim_approve, claim_reject, claim_revoke):
        with pytest.raises(ClaimError):
            decide(claim_id=pending_claim.pk, moderator=moderator, reason="x")


def test_every_transition_is_recorded_with_who_and_why(pending_claim, moderator, claimant):
    claim_approve(claim_id=pending_claim.pk, moderator=moderator, reason="Evidence fine")
    claim_revoke(claim_id=pending_claim.pk, moderator=moderator, reason="Disputed")
    trail = [
        (e.actor, e.from_state, e.to_state, e.reason)
        for e in ClaimEvent.objects.filter(claim=pending_claim)
    ]
    assert trail == [
        (claimant, "", "pending", ""),
        (moderator, "pending", "approved", "Evidence fine"),
        (moderator, "approved", "revoked", "Disputed"),
    ]


def test_every_transition_is_emailed_to_the_claimant(
    claimant, record, moderator, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim_id=claim.pk, moderator=moderator, reason="Works are by another Ada")
    assert [m.to for m in mail.outbox] == [[claimant.email], [claimant.email]]
    assert "pending" in mail.outbox[0].subject
    assert "rejected" in mail.outbox[1].subject
    assert "Works are by another Ada" in mail.outbox[1].body
    assert f"/claims/{claim.pk}/" in mail.outbox[1].body


def test_transitions_enqueue_a_trust_refresh_only_after_commit(
    claimant, record, moderator, django_capture_on_commit_callbacks
):
    # The refresh is recorded in the transition's own transaction, the drain scheduled on commit.
    with django_capture_on_commit_callbacks() as callbacks:
        claim = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")
    assert refresh_drain_schedule in callbacks
    assert list(ResearcherRefreshRequest.objects.values_list("researcher_id", flat=True)) == [
        record.pk
    ]
    ResearcherRefreshRequest.objects.all().delete()
    with django_capture_on_commit_callbacks() as callbacks:
        claim_approve(claim_id=claim.pk, moderator=moderator)
    assert refresh_drain_schedule in callbacks
    assert ResearcherRefreshRequest.objects.filter(researcher=record).exists()


def test_bulk_decisions_report_each_claim(record, moderator, claimant, outsider):
    verify_email(outsider)
    a = claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")
    b = claim_open(user=outsider, researcher_id=record.pk, claimant_name="Ada Lovelace")
    result = claims_bulk_decide(
        claim_ids=[a.pk, b.pk], moderator=moderator, action="approve", reason=""
    )
    assert result.done == [a.pk]
    assert [claim_id for claim_id, _ in result.failed] == [b.pk]
    result = claims_bulk_decide(
        claim_ids=[b.pk], moderator=moderator, action="reject", reason="Duplicate"
    )
    assert result.done == [b.pk]
    assert Claim.objects.get(pk=b.pk).state == ClaimState.REJECTED


def test_the_owner_edits_headline_affiliation_and_collaboration(owner, record, claimant):
    uni = InstitutionFactory()
    researcher_owner_update(
        researcher=record,
        user=owner,
        headline="Poet of engines",
        affiliation=uni,
    )
    fresh = reload(record)
    assert (fresh.headline, fresh.affiliation) == ("Poet of engines", uni)
    with pytest.raises(ClaimError):
        researcher_owner_update(
            researcher=record,
            user=claimant,
            headline="x",
            affiliation=None,
        )


def test_an_accepted_flag_detaches_the_work_but_keeps_it(
    owner, record, moderator, eager_tasks, django_capture_on_commit_callbacks
):
    coauthor = ResearcherFactory()
    authorship = AuthorshipFactory(researcher=record)
    AuthorshipFactory(researcher=coauthor, work=authorship.work, position=1)
    flag = work_flag_raise(researcher=record, work_id=authorship.work_id, user=owner, note="Not me")
    with pytest.raises(ClaimError, match="already flagged"):
        work_flag_raise(researcher=record, work_id=authorship.work_id, user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        work_flag_accept(flag_id=flag.pk, moderator=moderator)
    assert not Authorship.objects.filter(researcher=record, work=authorship.work).exists()
    assert Work.objects.filter(pk=authorship.work_id).exists()
    assert Authorship.objects.filter(researcher=coauthor, work=authorship.work).exists()
    assert mail.outbox and "accepted" in mail.outbox[-1].subject


def test_a_dismissed_flag_keeps_the_work(owner, record, moderator):
    authorship = AuthorshipFactory(researcher=record)
    flag = work_flag_raise(researcher=record, work_id=authorship.work_id, user=owner)
    work_flag_dismiss(flag_id=flag.pk, moderator=moderator, reason="It is yours")
    assert Authorship.objects.filter(pk=authorship.pk).exists()
    flag.refresh_from_db()
    assert flag.state == FlagState.DISMISSED


def test_only_the_owner_flags_and_only_works_on_the_record(owner, record, claimant):
    mine = AuthorshipFactory(researcher=record)
    elsewhere = AuthorshipFactory()
    with pytest.raises(ClaimError):
        work_flag_raise(researcher=record, work_id=mine.work_id, user=claimant)
    with pytest.raises(ClaimError, match="not on this record"):
        work_flag_raise(researcher=record, work_id=elsewhere.work_id, user=owner)


def test_a_user_opens_at_most_the_daily_number_of_claims(settings, claimant):
    settings.BZPEER_CLAIMS_PER_USER_PER_DAY = 3
    records = [ResearcherFactory(openalex_id=f"A90{i}") for i in range(5)]
    for record in records[:3]:
        claim_open(user=claimant, researcher_id=record.pk, claimant_name="Ada Lovelace")

    with pytest.raises(ClaimError, match="3 claims in the last 24 hours"):
        claim_open(user=claimant, researcher_id=records[3].pk, claimant_name="Ada Lovelace")
    assert Claim.objects.filter(user=claimant).count() == 3
    assert reload(records[3]).claim_status == ClaimStatus.UNCLAIMED

    # A day later the oldest no longer counts; withdrawn claims count while they are recent.
    claim_withdraw(claim_id=Claim.objects.filter(user=claimant).first().pk, user=claimant)
    Claim.objects.filter(researcher=records[0]).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    claim_open(user=claimant, researcher_id=records[3].pk, claimant_name="Ada Lovelace")
    with pytest.raises(ClaimError, match="last 24 hours"):
        claim_open(user=claimant, researcher_id=records[4].pk, claimant_name="Ada Lovelace")
