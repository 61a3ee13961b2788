"""Writes for claims: every state change locks the record, is recorded, e-mailed and refreshed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from claims.models import (
    CLAIM_TRANSITIONS,
    Claim,
    ClaimEvent,
    ClaimState,
    CollaborationInvite,
    FlagState,
    WorkFlag,
)
from claims.selectors import evidence_checklist, user_has_verified_email
from claims.tasks import send_email
from profiles.models import ClaimStatus, Institution, Researcher, VerificationLevel
from profiles.tasks import refresh_researchers
from works.models import Authorship


class ClaimError(Exception):
    """A refused change, with a message meant for the person who asked for it."""


def email_send_on_commit(
    *, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = ""
) -> None:
    """Hand a message to the mail task once the surrounding transaction has committed."""
    transaction.on_commit(
        partial(
            send_email.delay,
            to=to,
            subject=subject,
            body=body,
            html_body=html_body,
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        )
    )


def _refresh_on_commit(researcher_id: int) -> None:
    transaction.on_commit(partial(refresh_researchers.delay, researcher_ids=[researcher_id]))


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
    _refresh_on_commit(claim.researcher_id)
    return event


def claim_open(
    *, user: Any, researcher_id: int, claimant_name: str, homepage_url: str = "", note: str = ""
) -> Claim:
    """Open a pending claim on an unowned record (needs a verified e-mail)."""
    if not user_has_verified_email(user):
        raise ClaimError("Verify an e-mail address before claiming a record.")
    with transaction.atomic():
        researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
        if Claim.objects.filter(researcher=researcher, state=ClaimState.APPROVED).exists():
            raise ClaimError("This record already has an owner.")
        if Claim.objects.pending().filter(researcher=researcher, user=user).exists():
            raise ClaimError("You already have a pending claim on this record.")
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


# --- what the owner can change -----------------------------------------------------------


def researcher_owner_update(
    *,
    researcher: Researcher,
    user: Any,
    headline: str,
    affiliation: Institution | None,
    open_to_collaborate: bool,
) -> None:
    """The owner edits the parts of their record that are theirs to say."""
    with transaction.atomic():
        locked = Researcher.objects.select_for_update().get(pk=researcher.pk)
        if not Claim.objects.filter(
            researcher=locked, user=user, state=ClaimState.APPROVED
        ).exists():
            raise ClaimError("Only the owner of this record can edit it.")
        Researcher.objects.filter(pk=locked.pk).update(
            headline=headline,
            affiliation=affiliation,
            open_to_collaborate=open_to_collaborate,
            updated_at=timezone.now(),
        )
        _refresh_on_commit(locked.pk)


def work_flag_raise(*, researcher: Researcher, work_id: int, user: Any, note: str = "") -> WorkFlag:
    """The owner says a work on their record is not theirs; a moderator decides."""
    with transaction.atomic():
        if not Claim.objects.filter(
            researcher=researcher, user=user, state=ClaimState.APPROVED
        ).exists():
            raise ClaimError("Only the owner of this record can flag its works.")
        if not Authorship.objects.filter(researcher=researcher, work_id=work_id).exists():
            raise ClaimError("That work is not on this record.")
        try:
            with transaction.atomic():
                return WorkFlag.objects.create(
                    researcher=researcher, work_id=work_id, raised_by=user, note=note
                )
        except IntegrityError as exc:
            raise ClaimError("This work is already flagged and waiting for a moderator.") from exc


def _flag_decide(*, flag_id: int, moderator: Any, reason: str, to_state: str) -> WorkFlag:
    with transaction.atomic():
        flag = (
            WorkFlag.objects.select_for_update()
            .select_related("researcher", "work", "raised_by")
            .get(pk=flag_id)
        )
        if flag.state != FlagState.PENDING:
            raise ClaimError(f"This flag is already {flag.get_state_display().lower()}.")
        flag.state = to_state
        flag.reason = reason
        flag.decided_by = moderator
        flag.decided_at = timezone.now()
        flag.save()
        if to_state == FlagState.ACCEPTED:
            # Detach the work from this record only; the work and its other authors remain.
            Authorship.objects.filter(researcher=flag.researcher, work=flag.work).delete()
            Researcher.objects.filter(pk=flag.researcher_id).update(
                data_version=flag.researcher.data_version + 1, updated_at=timezone.now()
            )
            _refresh_on_commit(flag.researcher_id)
        context = {"flag": flag}
        if flag.raised_by.email:
            email_send_on_commit(
                to=[flag.raised_by.email],
                subject=" ".join(
                    render_to_string("claims/email/flag_decision_subject.txt", context).split()
                ),
                body=render_to_string("claims/email/flag_decision_body.txt", context),
            )
    return flag


def work_flag_accept(*, flag_id: int, moderator: Any, reason: str = "") -> WorkFlag:
    """Accept a "not mine" flag: the work leaves the record (the Work itself is kept)."""
    return _flag_decide(
        flag_id=flag_id, moderator=moderator, reason=reason, to_state=FlagState.ACCEPTED
    )


def work_flag_dismiss(*, flag_id: int, moderator: Any, reason: str) -> WorkFlag:
    """Dismiss a "not mine" flag: the work stays on the record."""
    if not reason.strip():
        raise ClaimError("Dismissing a flag needs a reason.")
    return _flag_decide(
        flag_id=flag_id, moderator=moderator, reason=reason, to_state=FlagState.DISMISSED
    )


INVITES_PER_SENDER_PER_DAY = 5


def invite_send(*, sender: Any, researcher_id: int, message: str) -> CollaborationInvite:
    """Send a collaboration invitation to the owner of a claimed record, by e-mail."""
    from allauth.account.models import EmailAddress

    message = message.strip()
    if not message:
        raise ClaimError("Write a message first.")
    reply_to = (
        EmailAddress.objects.filter(user=sender, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    if reply_to is None:
        raise ClaimError("Verify an e-mail address before inviting anyone.")
    with transaction.atomic():
        # One sender's invitations are counted under a lock on their own row, so a burst of
        # parallel posts cannot slip past the daily limit.
        get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
        owner_claim = (
            Claim.objects.select_related("user", "researcher")
            .filter(researcher_id=researcher_id, state=ClaimState.APPROVED)
            .first()
        )
        if owner_claim is None:
            raise ClaimError("Invitations open once the record is claimed.")
        if owner_claim.user_id == sender.pk:
            raise ClaimError("This is your own record.")
        since = timezone.now() - timedelta(days=1)
        if (
            CollaborationInvite.objects.filter(sender=sender, created_at__gte=since).count()
            >= INVITES_PER_SENDER_PER_DAY
        ):
            raise ClaimError("You have sent the most invitations allowed in a day; try tomorrow.")
        invite = CollaborationInvite.objects.create(
            researcher_id=researcher_id, sender=sender, message=message
        )
        context = {"invite": invite, "researcher": owner_claim.researcher, "reply_to": reply_to}
        if owner_claim.user.email:
            email_send_on_commit(
                to=[owner_claim.user.email],
                subject=" ".join(
                    render_to_string("claims/email/invite_subject.txt", context).split()
                ),
                body=render_to_string("claims/email/invite_body.txt", context),
            )
    return invite
