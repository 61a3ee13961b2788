"""Works flagged "not mine" by a record's owner, and the moderator's decision on them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from claims.models import Claim, ClaimState, FlagState, WorkFlag
from claims.services.errors import ClaimError
from claims.services.mail import email_send_on_commit
from profiles.models import Researcher
from profiles.services.refresh import ChangeReason, researchers_changed
from works.models import Authorship


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
            Researcher.objects.filter(pk=flag.researcher_id).update(updated_at=timezone.now())
            researchers_changed(
                researcher_ids=[flag.researcher_id], reason=ChangeReason.WORK_DETACHED
            )
        work_flag_decision_mail(flag=flag)
    return flag


def work_flag_decision_mail(*, flag: WorkFlag, moved_to: str = "") -> None:
    """Tell whoever raised the flag what was decided (in the caller's transaction, outbox)."""
    context = {"flag": flag, "moved_to": moved_to}
    if flag.raised_by.email:
        email_send_on_commit(
            to=[flag.raised_by.email],
            subject=" ".join(
                render_to_string("claims/email/flag_decision_subject.txt", context).split()
            ),
            body=render_to_string("claims/email/flag_decision_body.txt", context),
        )


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
