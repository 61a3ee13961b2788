"""Mail to the owners of records a moderator merged, or whose merge was undone (issue 16).

Written through the claims app's outbox mail (`email_send_on_commit`), in the operation's own
transaction: the mail is owed exactly when the merge or undo commits, and a rolled-back
operation owes none. The owner who did it themselves (an owner's undo within 30 days) is not
told what they just did.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from claims.models import Claim, ClaimState
from claims.services.mail import email_send_on_commit
from profiles.models import Researcher
from records.models import Operation


def _owners(researcher_ids: list[int]) -> list[Claim]:
    return list(
        Claim.objects.filter(researcher_id__in=researcher_ids, state=ClaimState.APPROVED)
        .select_related("user", "researcher")
        .order_by("pk")
    )


def merge_owners_mail(*, operation: Operation, actor: Any, undone: bool) -> int:
    """Owe a mail to each owner of the records a merge (or its undo) changed; how many."""
    sent = 0
    for claim in _owners(list(operation.researcher_ids)):
        if not claim.user.email or claim.user.pk == getattr(actor, "pk", None):
            continue
        record: Researcher = claim.researcher
        context = {
            "operation": operation,
            "undone": undone,
            "record": record,
            "history_url": settings.BZPEER_SITE_URL
            + reverse("records:record_history", args=[record.slug]),
            "profile_url": settings.BZPEER_SITE_URL
            + reverse("profiles:researcher_detail", args=[record.slug]),
        }
        subject = render_to_string("records/email/merge_owner_subject.txt", context)
        email_send_on_commit(
            to=[claim.user.email],
            subject=" ".join(subject.split()),
            body=render_to_string("records/email/merge_owner_body.txt", context),
        )
        sent += 1
    return sent
