"""Two moderators at once, on two real database connections: never two owners.

Tasks run eagerly here: these tests commit, and nothing should be left on a broker queue.
"""

from __future__ import annotations

import pytest

from claims.models import Claim, ClaimEvent, ClaimState
from claims.services.claims import claim_approve, claim_open
from claims.services.errors import ClaimError
from profiles.models import ClaimStatus, Researcher, VerificationLevel
from tests.claims.conftest import verify_email
from tests.concurrency import race
from tests.factories import ResearcherFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_competing_claims_make_one_owner(eager_tasks):
    record = ResearcherFactory(openalex_id="A77")
    moderators = [UserFactory(username=f"mod{i}", is_staff=True) for i in range(2)]
    claims = []
    for i in range(2):
        user = UserFactory(username=f"claimant{i}")
        verify_email(user)
        claims.append(claim_open(user=user, researcher_id=record.pk, claimant_name="x"))

    outcomes = race(
        ClaimError,
        *[
            (lambda c=c, m=m: claim_approve(claim_id=c.pk, moderator=m))
            for c, m in zip(claims, moderators, strict=True)
        ],
    )

    assert outcomes == ["ok", "refused"]
    assert Claim.objects.filter(researcher=record, state=ClaimState.APPROVED).count() == 1
    fresh = Researcher.objects.get(pk=record.pk)
    assert fresh.claim_status == ClaimStatus.CLAIMED
    assert fresh.verification_level == VerificationLevel.L2


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_approval_is_applied_once(eager_tasks):
    record = ResearcherFactory()
    moderator = UserFactory(username="mod", is_staff=True)
    user = UserFactory(username="claimant")
    verify_email(user)
    claim = claim_open(user=user, researcher_id=record.pk, claimant_name="x")

    outcomes = race(
        ClaimError, *[lambda: claim_approve(claim_id=claim.pk, moderator=moderator)] * 3
    )

    assert outcomes == ["ok", "refused", "refused"]
    assert ClaimEvent.objects.filter(claim=claim, to_state=ClaimState.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_claims_from_one_user_stops_at_the_daily_limit(eager_tasks, settings):
    settings.BZPEER_CLAIMS_PER_USER_PER_DAY = 3
    user = UserFactory(username="burst")
    verify_email(user)
    records = [ResearcherFactory(openalex_id=f"A80{i}") for i in range(8)]

    outcomes = race(
        ClaimError,
        *[
            (lambda r=r: claim_open(user=user, researcher_id=r.pk, claimant_name="x"))
            for r in records
        ],
    )

    assert outcomes == ["ok"] * 3 + ["refused"] * 5
    assert Claim.objects.filter(user=user).count() == 3
