"""What the owner of a record (its approved claimant) may change about it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Claim, ClaimState
from claims.selectors import connected_orcid
from claims.services.errors import ClaimError
from profiles.models import Institution, Researcher
from profiles.services.refresh import researchers_request_refresh


def researcher_owner_update(
    *,
    researcher: Researcher,
    user: Any,
    headline: str,
    affiliation: Institution | None,
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
            updated_at=timezone.now(),
        )
        researchers_request_refresh(researcher_ids=[locked.pk])  # affiliation is a signal


def researcher_orcid_attach(*, researcher_id: int, user: Any) -> str:
    """The owner puts the ORCID iD they authenticated through ORCID sign-in on their record.

    Only onto a record without an iD, and only an iD no other record carries. It completes the
    record's identity (a trust signal); it never changes the verification level, which the
    moderator's approval fixed from the evidence at that moment (an iD the owner adds to their
    own record proves nothing about the record).
    """
    orcid = connected_orcid(user)
    if not orcid:
        raise ClaimError("Connect your ORCID iD through ORCID sign-in first.")
    with transaction.atomic():
        locked = Researcher.objects.select_for_update().get(pk=researcher_id)
        if not Claim.objects.filter(
            researcher=locked, user=user, state=ClaimState.APPROVED
        ).exists():
            raise ClaimError("Only the owner of this record can edit it.")
        if locked.orcid == orcid:
            return orcid  # already there: the same request twice
        if locked.orcid:
            raise ClaimError(f"This record already carries ORCID iD {locked.orcid}.")
        holder = Researcher.objects.filter(orcid=orcid).exclude(pk=locked.pk).first()
        if holder is not None:
            raise ClaimError(
                f"ORCID iD {orcid} is already on the record “{holder.display_name}”; "
                "one iD belongs to one record."
            )
        try:
            with transaction.atomic():
                Researcher.objects.filter(pk=locked.pk).update(
                    orcid=orcid, updated_at=timezone.now()
                )
        except IntegrityError as exc:  # another record took it meanwhile (unique constraint)
            raise ClaimError(f"ORCID iD {orcid} is already on another record.") from exc
        researchers_request_refresh(researcher_ids=[locked.pk])  # identity is a signal
    return orcid
