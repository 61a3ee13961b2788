"""Claims on a record: open, withdraw, approve, reject, revoke — each locked, recorded, e-mailed.

Every transition goes through `_transition`, which locks the researcher row then the claim
(always in that order, so all transitions on one record are serialised), checks the move
against `CLAIM_TRANSITIONS`, writes a `ClaimEvent`, re-derives the record's claim status (and
level) and, on commit, e-mails the claimant; the trust refresh is recorded in the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claims.models import CLAIM_TRANSITIONS, Claim, ClaimEvent, ClaimState
from claims.selectors import evidence_checklist, user_has_verified_email
from claims.services.errors import ClaimError
from claims.services.mail import email_send_on_commit
from profiles.models import ClaimStatus, Researcher, VerificationLevel
from profiles.services.refresh import researchers_request_refresh


def _base_level(researcher: Researcher) -> int:
    """The level a record has without an owner: L1 with a persistent identifier, else L0."""
    if researcher.openalex_id or researcher.orcid:
        return VerificationLevel.L1
    return VerificationLevel.L0


def _researcher_sync(researcher: Researcher, *, level_from_claims: bool) -> None:
    """Derive the record's claim status (and, when asked, its level) from its claims."""
    owner = Claim.objects.filter(researcher=researcher, state=ClaimState.APPROVED).first()
    level: int
    if owner is not None:
        status = ClaimStatus.CLAIMED
        level = VerificationLevel.L3 if owner.strong_evidence else VerificationLevel.L2
    else:
        pending = Claim.objects.pending().filter(researcher=researcher).exists()
        status = ClaimStatus.PENDING if pending else ClaimStatus.UNCLAIMED
        level = _base_level(researcher)
    updates: dict[str, Any] = {"claim_status": status, "updated_at": timezone.now()}
    if level_from_claims:
        updates["verification_level"] = level
    Researcher.objects.filter(pk=researcher.pk).update(**updates)


def _notify(claim: Claim, event: ClaimEvent) -> None:
    context = {
        "claim": claim,
        "event": event,
        "researcher": claim.researcher,
        "claim_url": settings.BZPEER_SITE_URL + reverse("claims:claim_detail", args=[claim.pk]),
        "profile_url": settings.BZPEER_SITE_URL
        + reverse("profiles:researcher_detail", args=[claim.researcher.slug]),
    }
    subject = render_to_string("claims/email/claim_transition_subject.txt", context)
    body = render_to_string("claims/email/claim_transition_body.txt", context)
    if claim.user.email:
        email_send_on_commit(to=[claim.user.email], subject=" ".join(subject.split()), body=body)


def _record(claim: Claim, *, actor: Any, from_state: str, reason: str) -> ClaimEvent:
    event = ClaimEvent.objects.create(
        claim=claim, actor=actor, from_state=from_state, to_state=claim.state, reason=reason
    )
    _notify(claim, event)
    # Claim status and level are trust signals: the worker recomputes the score.
    researchers_request_refresh(researcher_ids=[claim.researcher_id])
    return event


def claim_open(
    *, user: Any, researcher_id: int, claimant_name: str, homepage_url: str = "", note: str = ""
) -> Claim:
    """Open a pending claim on an unowned record (needs a verified e-mail; at most
    BZPEER_CLAIMS_PER_USER_PER_DAY claims by one user in any 24 hours)."""
    if not user_has_verified_email(user):
        raise ClaimError("Verify an e-mail address before claiming a record.")
    with transaction.atomic():
        # One user's claims are opened one at a time (their row locked first, then the
        # record's), so a burst of parallel requests cannot all slip under the daily limit.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
        researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
        if Claim.objects.filter(researcher=researcher, state=ClaimState.APPROVED).exists():
            raise ClaimError("This record already has an owner.")
        if Claim.objects.pending().filter(researcher=researcher, user=user).exists():
            raise ClaimError("You already have a pending claim on this record.")
        limit = settings.BZPEER_CLAIMS_PER_USER_PER_DAY
        since = timezone.now() - timedelta(days=1)
        if Claim.objects.filter(user=user, created_at__gte=since).count() >= limit:
            raise ClaimError(
                f"You have opened {limit} claims in the last 24 hours, the most one account "
                "may; please wait for a moderator to review them."
            )
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    user=user,
                    researcher=researcher,
                    claimant_name=claimant_name,
                    homepage_url=homepage_url,
                    note=note,
                )
        except IntegrityError as exc:  # the partial unique constraint, if a race got past
            raise ClaimError("You already have a pending claim on this record.") from exc
        _researcher_sync(researcher, level_from_claims=False)
        _record(claim, actor=user, from_state="", reason="")
    return claim


def _transition(
    *, claim_id: int, actor: Any, to_state: str, reason: str, as_claimant: bool = False
) -> Claim:
    with transaction.atomic():
        researcher_id = Claim.objects.values_list("researcher_id", flat=True).get(pk=claim_id)
        # Lock the record first, then the claim: every transition on one record is serialised,
        # so two moderators approving competing claims at once cannot both succeed.
        researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
        claim = Claim.objects.select_for_update().select_related("user").get(pk=claim_id)
        claim.researcher = researcher
        if as_claimant and claim.user_id != actor.pk:
            raise ClaimError("Only the claimant can do that.")
        if to_state not in CLAIM_TRANSITIONS.get(claim.state, set()):
            raise ClaimError(
                f"This claim is {claim.get_state_display().lower()}; it cannot be "
                f"{ClaimState(to_state).label.lower()} now."
            )
        from_state = claim.state
        if to_state == ClaimState.APPROVED:
            if Claim.objects.filter(researcher=researcher, state=ClaimState.APPROVED).exists():
                raise ClaimError("Another claim on this record is already approved.")
            checklist = evidence_checklist(
                user=claim.user, researcher=researcher, claimant_name=claim.claimant_name
            )
            claim.strong_evidence = checklist.strong
            claim.evidence_snapshot = checklist.as_snapshot()
        claim.state = to_state
        claim.reason = reason
        if not as_claimant:
            claim.decided_by = actor
            claim.decided_at = timezone.now()
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError as exc:
            raise ClaimError("Another claim on this record is already approved.") from exc
        _researcher_sync(
            researcher,
            level_from_claims=ClaimState.APPROVED in (from_state, to_state),
        )
        _record(claim, actor=actor, from_state=from_state, reason=reason)
    return claim


def claim_withdraw(*, claim_id: int, user: Any) -> Claim:
    """The claimant withdraws their pending claim."""
    return _transition(
        claim_id=claim_id, actor=user, to_state=ClaimState.WITHDRAWN, reason="", as_claimant=True
    )


def claim_approve(*, claim_id: int, moderator: Any, reason: str = "") -> Claim:
    """Approve a pending claim: the claimant owns the record (L2, or L3 on strong evidence)."""
    return _transition(
        claim_id=claim_id, actor=moderator, to_state=ClaimState.APPROVED, reason=reason
    )


def claim_reject(*, claim_id: int, moderator: Any, reason: str) -> Claim:
    """Reject a pending claim with a reason the claimant sees."""
    if not reason.strip():
        raise ClaimError("A rejection needs a reason.")
    return _transition(
        claim_id=claim_id, actor=moderator, to_state=ClaimState.REJECTED, reason=reason
    )


def claim_revoke(*, claim_id: int, moderator: Any, reason: str) -> Claim:
    """Take ownership back from an approved claim; the record returns to L1 or L0."""
    if not reason.strip():
        raise ClaimError("A revocation needs a reason.")
    return _transition(
        claim_id=claim_id, actor=moderator, to_state=ClaimState.REVOKED, reason=reason
    )


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def claims_bulk_decide(
    *, claim_ids: Iterable[int], moderator: Any, action: str, reason: str
) -> BulkResult:
    """Approve or reject several claims, each in its own transaction; report each outcome."""
    decide = {"approve": claim_approve, "reject": claim_reject}[action]
    result = BulkResult()
    for claim_id in sorted(set(claim_ids)):
        try:
            decide(claim_id=claim_id, moderator=moderator, reason=reason)
        except ClaimError as exc:
            result.failed.append((claim_id, str(exc)))
        else:
            result.done.append(claim_id)
    return result
