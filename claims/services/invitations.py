"""Collaboration invitations to the owner of a claimed record, sent by e-mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from claims.models import Claim, ClaimState, CollaborationInvite
from claims.services.errors import ClaimError
from claims.services.mail import email_send_on_commit

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
